"""two_way: the same text whether the second half is made in a child process or not."""

from __future__ import annotations

import os

from lmsdb.cli import forkjoin


def render(items) -> str:
    return "\n".join(f"<{i}é>" for i in items)


def test_large_input_forks_and_matches_sequential():
    items = list(range(forkjoin.MIN_ITEMS + 3))
    parent = os.getpid()

    def spy(part):
        text = render(part)
        return text + (f"|{os.getpid()}" if os.getpid() != parent else "")

    head, tail = forkjoin.two_way(spy, items)
    assert head == render(items[: len(items) // 2])
    # The tail was made in another process: it carries the child's pid.
    body, _, pid = tail.rpartition("|")
    assert body == render(items[len(items) // 2 :])
    assert int(pid) != parent


def test_small_input_runs_in_process():
    head, tail = forkjoin.two_way(render, [1, 2, 3])
    assert (head, tail) == ("<1é>", "<2é>\n<3é>")


def test_a_failing_child_falls_back_to_the_parent():
    parent = os.getpid()

    def fragile(part):
        if os.getpid() != parent:
            raise RuntimeError("boom in the child")
        return render(part)

    items = list(range(forkjoin.MIN_ITEMS))
    head, tail = forkjoin.two_way(fragile, items)
    assert head + "\n" + tail == render(items)
