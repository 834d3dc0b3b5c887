"""Discovery's port: fetching a board (`FetchBoard` -> `FetchOutcome`), behind `BoardFetcher` (`fetch.py`)."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.transient import outages
from processors.discovery.fetch import BoardFetcher, open_board_fetcher
from processors.discovery.model import FetchBoard
from streams.processor import PortRequest, PortResult
from streams.settings import Settings


class DiscoveryPorts:
    def __init__(self, fetcher: BoardFetcher) -> None:
        self._fetcher = fetcher

    async def run(self, request: PortRequest, *, cell: int) -> Sequence[PortResult]:
        if not isinstance(request, FetchBoard):
            raise TypeError(f"discovery has no port for {type(request).__name__}")
        async with outages("Redis (the shared rate limiter)"):
            return [await self._fetcher.fetch(request.board, request.validators)]

    async def close(self) -> None:
        await self._fetcher.close()


async def open_ports(settings: Settings) -> DiscoveryPorts:
    return DiscoveryPorts(await open_board_fetcher(settings))
