"""From a group's totals to its lines: an exact whole-cent split within every line's bounds."""

from __future__ import annotations

import operator
from collections.abc import Callable

from .bounds import where
from .errors import AllocationError
from .groups import Group

#: best_row(u, v): the row that best moves a cent from column u to column v, None if none can.
BestRow = Callable[[int, int], int | None]


def split_group(group: Group, totals: dict[str, int]) -> list[list[int]]:
    """Split the group's source totals and gap over its lines, in proportion to their amounts,
    as whole cents within every line's bounds (an exact integer controlled rounding): for
    each line, its cells' amounts in the order of its sources, then its gap.

    Lines are taken in id order; each line rounds up the columns furthest behind their exact
    running total, which keeps every column within a cent or so of its share all along; the
    few cents left out of balance are then moved by `_repair`.
    """
    targets = [totals[source] for source in group.sources]
    targets.append(group.amount - sum(targets))
    rows = group.items
    amount = group.amount
    width = len(targets)
    if amount == 0:
        return [[0] * width for _ in rows]
    lo = [[*item.lo, 0] for item in rows]
    hi = [[*item.hi, item.cents] for item in rows]
    # Exact shares scaled by the group amount: share[r][j] / amount is the real target.
    share = [[target * item.cents for target in targets] for item in rows]
    x = []
    behind = [0] * width  # running (exact - assigned) per column, scaled by the group amount
    row_need = []
    for item, exact, low, high in zip(rows, share, lo, hi):
        row = [min(max(value // amount, least), most)
               for value, least, most in zip(exact, low, high)]
        need = item.cents - sum(row)
        if need > 0:
            up = sorted((-(behind[j] + exact[j] - row[j] * amount), j) for j in range(width)
                        if row[j] < high[j] and row[j] * amount < exact[j])
            for _, j in up[:need]:
                row[j] += 1
            need -= min(need, len(up))
        elif need < 0:
            down = sorted((behind[j] + exact[j] - row[j] * amount, j) for j in range(width)
                          if row[j] > low[j] and row[j] * amount > exact[j] - amount)
            for _, j in down[:-need]:
                row[j] -= 1
            need += min(-need, len(down))
        row_need.append(need)
        behind = [ahead + value - cents * amount
                  for ahead, value, cents in zip(behind, exact, row)]
        x.append(row)
    column_need = [target - sum(column) for target, column in zip(targets, zip(*x))]
    _repair(x, lo, hi, share, amount, row_need, column_need)
    return x


def _repair(x: list[list[int]], lo: list[list[int]], hi: list[list[int]],
            share: list[list[int]], amount: int, row_need: list[int],
            column_need: list[int]) -> None:
    """Balance rows and columns by moving single cents along shortest paths of columns.

    A move in row r from column u to column v keeps r's sum; a path of moves changes only the
    sums of its first and last column. Rows are chosen by how far each cell is from its exact
    share, then by line id, so the outcome is deterministic.
    """
    width = len(column_need)

    def best_row(u: int, v: int) -> int | None:
        best, chosen = None, None
        for r in range(len(x)):
            if x[r][u] > lo[r][u] and x[r][v] < hi[r][v]:
                score = (x[r][u] * amount - share[r][u]) + (share[r][v] - x[r][v] * amount)
                if best is None or score > best:
                    best, chosen = score, r
        return chosen

    def path(starts: list[int], done: Callable[[int], bool]) -> list[tuple[int, int, int]] | None:
        return _path(width, starts, done, best_row, forward=True)

    def apply(moves: list[tuple[int, int, int]]) -> None:
        for r, u, v in moves:
            x[r][u] -= 1
            x[r][v] += 1

    for _ in range(10 * (sum(map(abs, row_need)) + sum(map(abs, column_need))) + 10):
        short_row = next((r for r, need in enumerate(row_need) if need > 0), None)
        long_row = next((r for r, need in enumerate(row_need) if need < 0), None)
        if short_row is not None:
            starts = [j for j in range(width) if x[short_row][j] < hi[short_row][j]]
            starts.sort(key=lambda j: -(share[short_row][j] - x[short_row][j] * amount))
            def takes(u: int) -> bool:
                """A column that is a cent short, or one a line with a cent too many can
                give up."""
                return column_need[u] > 0 or (long_row is not None
                                              and x[long_row][u] > lo[long_row][u])

            for j in starts:
                x[short_row][j] += 1
                moves = path([j], takes)
                if moves is not None:
                    apply(moves)
                    end = moves[-1][2] if moves else j
                    if column_need[end] > 0:
                        column_need[end] -= 1
                    else:
                        assert long_row is not None
                        x[long_row][end] -= 1
                        row_need[long_row] += 1
                    row_need[short_row] -= 1
                    break
                x[short_row][j] -= 1
            else:
                raise AllocationError("cannot split a group's totals over its lines")
        elif long_row is not None:
            starts = [j for j in range(width) if x[long_row][j] > lo[long_row][j]]
            starts.sort(key=lambda j: -(x[long_row][j] * amount - share[long_row][j]))
            for j in starts:
                x[long_row][j] -= 1
                # Column j is now one short: find a column with a cent too many that reaches j.
                moves = _path(width, [j], lambda u: column_need[u] < 0, best_row, forward=False)
                if moves is not None:
                    apply(moves)
                    column_need[moves[0][1] if moves else j] += 1
                    row_need[long_row] += 1
                    break
                x[long_row][j] += 1
            else:
                raise AllocationError("cannot split a group's totals over its lines")
        elif any(column_need):
            over = [j for j in range(width) if column_need[j] < 0]
            moves = path(over, lambda u: column_need[u] > 0)
            if not moves:
                raise AllocationError("cannot split a group's totals over its lines")
            apply(moves)
            column_need[moves[0][1]] += 1
            column_need[moves[-1][2]] -= 1
        else:
            return
    raise AllocationError("splitting a group's totals did not converge")  # pragma: no cover


def _path(width: int, starts: list[int], done: Callable[[int], bool], best_row: BestRow,
          forward: bool) -> list[tuple[int, int, int]] | None:
    """The shortest list of moves (row, from column, to column), found breadth first: forward,
    from one of `starts` to a column for which `done` holds; backward, from such a column to
    one of `starts`."""
    previous: dict[int, tuple[int, int] | None] = dict.fromkeys(starts)
    queue = list(starts)
    for node in queue:
        if done(node):
            moves = []
            while previous[node] is not None:
                r, other = previous[node]  # type: ignore[misc]
                moves.append((r, other, node) if forward else (r, node, other))
                node = other
            return moves[::-1] if forward else moves
        for other in range(width):
            if other not in previous:
                r = best_row(node, other) if forward else best_row(other, node)
                if r is not None:
                    previous[other] = (r, node)
                    queue.append(other)
    return None


def verify_split(group: Group, rows: list[list[int]], totals: dict[str, int]) -> None:
    """Check a group's split in integers, to the cent: every line adds up to its amount within
    its bounds, and every source's lines add up to the group's total."""
    for item, row in zip(group.items, rows):
        if row[-1] < 0 or sum(row) != item.cents:
            raise AllocationError(f"{where(item)} does not add up to its amount")
        if not (all(map(operator.le, item.lo, row)) and all(map(operator.le, row, item.hi))):
            raise AllocationError(f"{where(item)}: a source outside its bounds")
    if rows and [sum(column) for column in zip(*rows)][:-1] != [totals[s] for s in group.sources]:
        raise AllocationError(f"the lines of group {group.index} do not add up to its totals")
