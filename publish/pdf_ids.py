"""The ID tree of a tagged PDF: WeasyPrint gives the table header cells an /ID that data cells
name in their /Headers, but writes no /IDTree in the structure tree root, so assistive
technology cannot resolve those names (PDF 1.7, 14.7.2; PDF/UA-1 7.5). This adds it."""

from __future__ import annotations

import io

import pikepdf


def with_id_tree(pdf: bytes) -> bytes:
    """The PDF with an /IDTree naming every structure element that has an /ID. The document
    ID is derived from the content, so the same PDF gives the same bytes."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        root = document.Root.get("/StructTreeRoot")
        if root is None:
            return pdf
        ids: dict[bytes, pikepdf.Object] = {}
        _collect(document, root, ids)
        if not ids:
            return pdf
        names = pikepdf.Array()
        for key in sorted(ids):  # a name tree is sorted by its keys' bytes
            names.append(pikepdf.String(key))
            names.append(ids[key])
        root.IDTree = document.make_indirect(pikepdf.Dictionary(Names=names))
        out = io.BytesIO()
        # no object streams, as WeasyPrint writes it: offsets stay out of compressed streams
        document.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
        return out.getvalue()


def _collect(document: pikepdf.Pdf, node: pikepdf.Object, ids: dict) -> None:
    """Walk the structure tree; every element with an /ID becomes indirect (a name tree
    refers to objects) and is recorded under its ID."""
    kids = node.get("/K")
    if kids is None:
        return
    items = kids if isinstance(kids, pikepdf.Array) else pikepdf.Array([kids])
    for i, kid in enumerate(items):
        if not isinstance(kid, pikepdf.Dictionary) or "/S" not in kid:
            continue  # marked-content references and object references of page content
        if "/ID" in kid:
            if not kid.is_indirect:
                kid = document.make_indirect(kid)
                items[i] = kid
            ids[bytes(kid.ID)] = kid
        _collect(document, kid, ids)
    if not isinstance(kids, pikepdf.Array):
        node.K = items[0]
