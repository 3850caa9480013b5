"""The in-memory storage keeps every promise of the storage contract."""

from __future__ import annotations

from urgentcases.testing import (
    CaseStorageContract,
    ContractStorage,
    memory_contract_storage,
)


class TestMemoryStorage(CaseStorageContract):
    """The contract suite, unchanged, against `MemoryStorage`."""

    def make_storage(self) -> ContractStorage:
        return memory_contract_storage()
