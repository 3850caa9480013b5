"""Storage adapters: implementations of `urgentcases.ports`."""

from urgentcases.adapters.memory import MemoryStorage, MemoryUnitOfWork

__all__ = ["MemoryStorage", "MemoryUnitOfWork"]
