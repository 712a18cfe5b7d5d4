"""Salesforce: the API client syncadmin's sync engine reads and writes through."""
