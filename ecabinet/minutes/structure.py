"""The shape a genuine e-Cabinet document must have, checked from its structure rather than
from names that anybody holding the signing keys could choose:

- revision 0 is the draft: its catalog says (``/ECabinet /Kind``) whether it is minutes or
  a notice, and for minutes its bytes are exactly the draft the chair approved;
- revision 1 is the secretary's signature, which may add the chair's approval file and fill
  the secretary's field, nothing else (pyHanko's difference analysis with one extra rule
  that admits exactly that attachment);
- the chair's signature locks the document (FieldMDP on all fields, DocMDP "no changes"),
  so that after it only validation data (DSS, document time stamps) may follow.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffResult,
    ModificationLevel,
    QualifiedWhitelistRule,
    ReferenceUpdate,
    StandardDiffPolicy,
    SuspiciousModification,
)
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from . import pdfdoc


def document_kind(reader: PdfFileReader) -> str | None:
    """ "Minutes", "Notice" or "KeyRegister" as the first revision's catalog says."""
    marker = reader.get_historical_resolver(0).root.get(pdfdoc.KIND_KEY)
    if not isinstance(marker, generic.DictionaryObject):
        return None
    kind = marker.get("/Kind")
    return str(kind)[1:] if isinstance(kind, generic.NameObject) else None


def draft_boundary_ok(reader: PdfFileReader, draft_length: int) -> bool:
    """The approved draft ends where revision 0 ends and revision 1 begins."""
    xrefs = reader.xrefs
    if xrefs.total_revisions < 2:
        return False
    first, second = xrefs.get_xref_container_info(0), xrefs.get_xref_container_info(1)
    return first.end_location <= draft_length <= second.start_location


class ApprovalAttachmentRule(QualifiedWhitelistRule):
    """Admit one new embedded file, named ``name``, added to the name tree; every file the
    earlier revision had must stay exactly as it was."""

    def __init__(self, name: str) -> None:
        self.name = name

    def apply_qualified(
        self, old: HistoricalResolver, new: HistoricalResolver
    ) -> Iterable[tuple[ModificationLevel, ReferenceUpdate]]:
        old_ref, new_ref = old.root.raw_get("/Names"), new.root.raw_get("/Names")
        if not isinstance(new_ref, generic.IndirectObject) or old_ref != new_ref:
            return
        old_names, new_names = _deref(old_ref), _deref(new_ref)
        if set(old_names) != set(new_names):
            return
        old_tree = _deref(old_names.raw_get("/EmbeddedFiles"))
        new_tree = _deref(new_names.raw_get("/EmbeddedFiles"))
        if "/Kids" in new_tree or "/Kids" in old_tree:
            return
        old_pairs = list(_deref(old_tree.raw_get("/Names")))
        new_pairs = list(_deref(new_tree.raw_get("/Names")))
        old_entries = dict(zip(map(str, old_pairs[0::2]), old_pairs[1::2], strict=False))
        new_entries = dict(zip(map(str, new_pairs[0::2]), new_pairs[1::2], strict=False))
        added = set(new_entries) - set(old_entries)
        if (
            len(new_pairs) != 2 * len(new_entries)
            or added != {self.name}
            or any(new_entries.get(k) != v for k, v in old_entries.items())
        ):
            return
        spec_ref = new_entries[self.name]
        if not isinstance(spec_ref, generic.IndirectObject):
            return
        stream_ref = _deref(_deref(spec_ref).raw_get("/EF")).raw_get("/F")
        if (
            not isinstance(stream_ref, generic.IndirectObject)
            or new.reader.xrefs.get_introducing_revision(stream_ref.reference) != new.revision
        ):
            return
        refs = [new_ref.reference, spec_ref.reference, stream_ref.reference]
        for raw in (new_names.raw_get("/EmbeddedFiles"), new_tree.raw_get("/Names")):
            if isinstance(raw, generic.IndirectObject):
                refs.append(raw.reference)
        associated = _associated_files_update(old, new, spec_ref)
        if associated is False:
            return
        if associated is not None:
            refs.append(associated)
        for ref in refs:
            yield ModificationLevel.FORM_FILLING, ReferenceUpdate(ref)


def _associated_files_update(
    old: HistoricalResolver, new: HistoricalResolver, spec_ref: generic.IndirectObject
) -> Any:
    """PDF/A-3 lists each embedded file in the catalog's /AF array: the new file may be
    appended to the array the draft already had, nothing else changed in it. The array's
    reference when it was so extended, None when /AF did not change, False otherwise."""
    old_raw = old.root.raw_get("/AF") if "/AF" in old.root else None
    new_raw = new.root.raw_get("/AF") if "/AF" in new.root else None
    if old_raw is None and new_raw is None:
        return None
    if not isinstance(new_raw, generic.IndirectObject) or old_raw != new_raw:
        return False
    old_list, new_list = _deref(old_raw), _deref(new_raw)
    before = [old_list.raw_get(i) for i in range(len(old_list))]
    after = [new_list.raw_get(i) for i in range(len(new_list))]
    if after == before:
        return None
    return new_raw.reference if after == [*before, spec_ref] else False


def _deref(value: Any) -> Any:
    resolved: Any = value
    return resolved.get_object() if isinstance(value, generic.IndirectObject) else resolved


def review_secretary_revision(reader: PdfFileReader, approval_name: str) -> DiffResult | str:
    """What revision 1 changed compared with the draft, or why it is not allowed."""
    base: Any = DEFAULT_DIFF_POLICY
    policy = StandardDiffPolicy(
        global_rules=[*base.global_rules, ApprovalAttachmentRule(approval_name)],
        form_rule=base.form_rule,
    )
    try:
        return policy.apply(reader.get_historical_resolver(0), reader.get_historical_resolver(1))
    except SuspiciousModification as exc:
        return str(exc).splitlines()[0]


def locks_document(signature: EmbeddedPdfSignature) -> bool:
    """The signature forbids every later change but validation data."""
    level: Any = signature.docmdp_level
    return bool(level == MDPPerm.NO_CHANGES)


def prints_hash(draft: bytes, digest: str) -> bool:
    """Whether the draft's last pages print ``digest`` (what a reader sees), found with
    pypdf's text extraction; a hash broken over two lines still counts."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(draft))
    for page in reader.pages[-3:]:  # the evidence section closes the minutes
        text = re.sub(r"\s+", "", page.extract_text() or "").lower()
        if digest.lower() in text:
            return True
    return False
