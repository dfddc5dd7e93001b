"""A redline between two versions of a draft: their text (from the text layer) regrouped
into paragraphs, compared paragraph by paragraph, and word by word inside a changed one.

Paragraphs are rebuilt from lines: a justified line runs to the right margin, so a line
that stops well short of it ends its paragraph; an indented line, or one set apart by
paragraph spacing, starts one."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from .textlayer import PageText

# A line whose right edge is short of this share of the page's text width ends a paragraph.
FULL_LINE = 0.9
# A line starting this far (a share of the page's width) right of the margin is indented.
INDENT = 0.02
# Extra space above a line, in line heights, that marks a new paragraph.
SPACING = 0.25

Op = Literal["same", "added", "removed"]


@dataclass(frozen=True)
class Paragraph:
    text: str
    page: int


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


@dataclass(frozen=True)
class Block:
    kind: Literal["same", "changed", "added", "removed"]
    segments: tuple[Segment, ...]
    old_page: int | None
    new_page: int | None


@dataclass(frozen=True)
class Redline:
    blocks: tuple[Block, ...]

    @property
    def changed_pages(self) -> list[int]:
        """Pages of the newer version with a change (a removal counts on the page where the
        text used to follow)."""
        return sorted(
            {
                block.new_page
                for block in self.blocks
                if block.kind != "same" and block.new_page is not None
            }
        )

    @property
    def changes(self) -> int:
        return sum(block.kind != "same" for block in self.blocks)


def paragraphs(pages: list[PageText]) -> list[Paragraph]:
    found: list[Paragraph] = []
    for page in pages:
        if not page.lines:
            continue
        right = max(line.box[0] + line.box[2] for line in page.lines)
        left = min(line.box[0] for line in page.lines)
        # Lines inside a paragraph are the closest; two columns side by side overlap.
        gaps = [
            b.box[1] - (a.box[1] + a.box[3])
            for a, b in zip(page.lines, page.lines[1:], strict=False)
        ]
        usual = min((gap for gap in gaps if gap >= 0), default=0.0)
        current: list[str] = []
        previous = None
        for line in page.lines:
            # An indented (or centred) line starts a paragraph of its own, and so does one
            # set further below the last than lines usually are (paragraph spacing).
            spaced = previous is not None and (
                line.box[1] - (previous.box[1] + previous.box[3])
                > usual + SPACING * previous.box[3]
            )
            previous = line
            if current and (line.box[0] > left + INDENT or spaced):
                found.append(Paragraph(" ".join(current), page.number))
                current = []
            current.append(line.text.strip())
            end = line.box[0] + line.box[2]
            if end - left < FULL_LINE * (right - left):
                found.append(Paragraph(" ".join(current), page.number))
                current = []
        if current:
            found.append(Paragraph(" ".join(current), page.number))
    return found


def compare(old: list[PageText], new: list[PageText]) -> Redline:
    before, after = paragraphs(old), paragraphs(new)
    matcher = SequenceMatcher(
        None, [p.text for p in before], [p.text for p in after], autojunk=False
    )
    blocks: list[Block] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            blocks += [
                Block("same", (Segment("same", after[j].text),), before[i].page, after[j].page)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        olds, news = before[i1:i2], after[j1:j2]
        anchor = after[j1].page if j1 < len(after) else (after[-1].page if after else None)
        for index in range(max(len(olds), len(news))):
            was = olds[index] if index < len(olds) else None
            now = news[index] if index < len(news) else None
            if was and now:
                blocks.append(Block("changed", words(was.text, now.text), was.page, now.page))
            elif was:
                blocks.append(Block("removed", (Segment("removed", was.text),), was.page, anchor))
            elif now:
                blocks.append(Block("added", (Segment("added", now.text),), None, now.page))
    return Redline(tuple(blocks))


def words(old: str, new: str) -> tuple[Segment, ...]:
    """Word by word, the removed and the added words in place."""
    a, b = old.split(), new.split()
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(Segment("same", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("removed", " ".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("added", " ".join(b[j1:j2])))
    return tuple(segments)
