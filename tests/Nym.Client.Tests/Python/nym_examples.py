#!/usr/bin/env python3
"""Drives nym-client from outside .NET, as Nym's own example programs do (nym-client-api.md section 8).

The text flow is textsend.py's: selfAddress, send "Hello Nym!" to ourselves with a reply SURB, receive it, reply
through the SURB, receive the reply. The binary flow is binarysend.py's: the 97-byte SelfAddress, a 2859-byte file
sent to ourselves with a SURB, a Received parsed with u64 big-endian lengths, a reply through the SURB, a Received
without a SURB (section 3). Any mismatch ends the script with exit code 1 and a line saying what differed.

Usage: nym_examples.py ws://127.0.0.1:<port> [seconds to wait for each delivery]
Needs Debian's python3-websockets (apt-get install python3-websockets), run with /usr/bin/python3.
"""
import asyncio
import json
import struct
import sys

try:
    import websockets
except ImportError:
    print("FAIL: the Python package 'websockets' is missing: install it with "
          "'apt-get install python3-websockets' and run this with /usr/bin/python3", file=sys.stderr)
    sys.exit(2)

# Binary API tags (section 3).
SEND, REPLY, SELF_ADDRESS = 0x00, 0x01, 0x02
RESPONSE_ERROR, RESPONSE_RECEIVED, RESPONSE_SELF_ADDRESS = 0x00, 0x01, 0x02
RECIPIENT_LEN = 96
REPLY_SURB_LEN = 1164  # 16 + 348 + 32 + 4 * 192 with three mix hops (section 4)

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class Mismatch(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise Mismatch(what)


def b58decode(text):
    """Plain base58 (Bitcoin alphabet, no checksum), as Nym encodes keys (section 4)."""
    number = 0
    for char in text:
        index = BASE58.find(char)
        expect(index >= 0, f"{char!r} is not a base58 character")
        number = number * 58 + index
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    zeros = len(text) - len(text.lstrip("1"))
    return b"\x00" * zeros + body


async def next_frame(ws, wait, what):
    try:
        return await asyncio.wait_for(ws.recv(), wait)
    except asyncio.TimeoutError:
        raise Mismatch(f"no frame within {wait:g} s while waiting for {what}") from None


async def next_json(ws, wait, what):
    frame = await next_frame(ws, wait, what)
    expect(isinstance(frame, str), f"{what}: expected a text frame, got a binary frame of {len(frame)} bytes")
    return json.loads(frame)


async def text_flow(uri, wait):
    async with websockets.connect(uri, max_size=None) as ws:
        await ws.send(json.dumps({"type": "selfAddress"}))
        response = await next_json(ws, wait, "the selfAddress response")
        expect(response.get("type") == "selfAddress", f"selfAddress: got type {response.get('type')!r}")
        address = response["address"]
        keys, _, gateway = address.partition("@")
        expect(gateway and len(keys.split(".")) == 2, "selfAddress: the address is not <identity>.<encryption>@<gateway>")

        await ws.send(json.dumps({"type": "send", "message": "Hello Nym!", "recipient": address, "withReplySurb": True}))
        received = await next_json(ws, wait, "our own message")
        expect(received.get("type") == "received", f"send: got type {received.get('type')!r} instead of 'received'")
        expect(received.get("message") == "Hello Nym!", f"send: got message {received.get('message')!r}")
        surb = received.get("replySurb")
        expect(isinstance(surb, str) and len(b58decode(surb)) == REPLY_SURB_LEN, "send: the message came without a usable replySurb")

        await ws.send(json.dumps({"type": "reply", "message": "hello from reply SURB!", "replySurb": surb}))
        reply = await next_json(ws, wait, "the reply through the SURB")
        expect(reply.get("type") == "received", f"reply: got type {reply.get('type')!r} instead of 'received'")
        expect(reply.get("message") == "hello from reply SURB!", f"reply: got message {reply.get('message')!r}")
        expect("replySurb" in reply and reply["replySurb"] is None, "reply: replySurb must be present and null")
    print("text flow: ok (selfAddress, send with reply SURB, received, reply, received without SURB)")
    return address


async def binary_flow(uri, wait, text_address):
    payload = (b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. " * 29)[:2859]
    answer = b"hello from reply SURB! - thanks for sending me the file!"
    async with websockets.connect(uri, max_size=None) as ws:
        await ws.send(bytes([SELF_ADDRESS]))
        response = await next_frame(ws, wait, "the binary SelfAddress response")
        expect(isinstance(response, bytes), "SelfAddress: expected a binary frame")
        expect(len(response) == 1 + RECIPIENT_LEN and response[0] == RESPONSE_SELF_ADDRESS,
               f"SelfAddress: expected 97 bytes starting with 02, got {len(response)} bytes starting with {response[:1].hex()}")
        recipient = response[1:]
        identity, encryption = text_address.split("@")[0].split(".")
        expected = b58decode(identity) + b58decode(encryption) + b58decode(text_address.split("@")[1])
        expect(recipient == expected, "SelfAddress: the 96 bytes differ from the text API's address")

        await ws.send(bytes([SEND, 1]) + recipient + struct.pack(">Q", len(payload)) + payload)
        frame = await next_frame(ws, wait, "our own file")
        expect(isinstance(frame, bytes), "send: expected a binary Received frame")
        expect(frame[:2] == bytes([RESPONSE_RECEIVED, 1]), f"send: expected a Received with a SURB (01 01), got {frame[:2].hex()}")
        (surb_len,) = struct.unpack(">Q", frame[2:10])
        expect(surb_len == REPLY_SURB_LEN, f"send: reply SURB length {surb_len}, expected {REPLY_SURB_LEN}")
        surb = frame[10:10 + surb_len]
        (message_len,) = struct.unpack(">Q", frame[10 + surb_len:18 + surb_len])
        message = frame[18 + surb_len:]
        expect(message_len == len(message) == len(payload), f"send: message length {message_len}, {len(message)} bytes follow, sent {len(payload)}")
        expect(message == payload, "send: the received file differs from the one sent")

        await ws.send(bytes([REPLY]) + struct.pack(">Q", len(surb)) + surb + struct.pack(">Q", len(answer)) + answer)
        frame = await next_frame(ws, wait, "the reply through the SURB")
        expect(isinstance(frame, bytes), "reply: expected a binary Received frame")
        expect(frame[:2] == bytes([RESPONSE_RECEIVED, 0]), f"reply: expected a Received without a SURB (01 00), got {frame[:2].hex()}")
        (message_len,) = struct.unpack(">Q", frame[2:10])
        expect(message_len == len(frame) - 10 and frame[10:] == answer, "reply: the received reply differs from the one sent")
    print(f"binary flow: ok (97-byte SelfAddress, {len(payload)}-byte file with a reply SURB, reply received without SURB)")


async def main(uri, wait):
    address = await text_flow(uri, wait)
    await binary_flow(uri, wait, address)


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        asyncio.run(main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) == 3 else 60.0))
    except Mismatch as mismatch:
        print(f"FAIL: {mismatch}", file=sys.stderr)
        sys.exit(1)
    except (OSError, websockets.exceptions.WebSocketException) as error:
        print(f"FAIL: the websocket to {sys.argv[1]} failed: {error!r}", file=sys.stderr)
        sys.exit(1)
