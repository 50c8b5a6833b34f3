"""Member ids: 16 random hex digits, drawn in blocks that a forked process never shares."""

from __future__ import annotations

import os

from graph_service.services.imports import new_member_id


def test_ids_are_hex_and_distinct() -> None:
    ids = [new_member_id() for _ in range(10_000)]  # spans several blocks
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)


def test_a_forked_child_draws_other_ids_than_its_parent() -> None:
    new_member_id()  # the parent holds a block
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        os.close(read)
        os.write(write, "".join(new_member_id() for _ in range(100)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    child = {text[i : i + 16] for i in range(0, len(text), 16)}
    parent = {new_member_id() for _ in range(100)}
    assert len(child) == 100
    assert not child & parent
