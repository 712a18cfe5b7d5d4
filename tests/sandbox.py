"""The sandbox child process for tests (see ``integrations.sandbox.process``)."""

from integrations.sandbox.process import Sandbox, SandboxSide

__all__ = ["Sandbox", "SandboxSide"]
