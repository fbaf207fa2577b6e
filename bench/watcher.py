"""A watcher process for the benches, as a browser is: `python -m bench.watcher WS_URL` plays the
run and prints `monotonic step bytes` for each running frame until it is stopped. Imports no
server or torch code, so it starts at once and costs the server's process nothing."""

from __future__ import annotations

import asyncio
import sys
import time

import orjson
import websockets


async def watch(url: str) -> None:
    async with websockets.connect(url, max_size=2**24) as ws:
        await ws.recv()  # the snapshot
        await ws.send('{"type": "play"}')
        async for text in ws:
            message = orjson.loads(text)
            if message["type"] == "frame" and message["run"]["status"] == "running":
                sys.stdout.write(f"{time.monotonic()} {message['run']['step']} {len(text)}\n")
                sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(watch(sys.argv[1]))
