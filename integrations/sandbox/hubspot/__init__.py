"""The HubSpot CRM API emulator (contacts, properties, owners, lists, activities)."""
