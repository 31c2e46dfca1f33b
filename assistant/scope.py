"""The documents a user picked (the page's filter, the API's `doc_ids`), named as they were picked."""

from __future__ import annotations

from collections.abc import Sequence

from index import Document


def scope_label(documents: Sequence[Document], doc_ids: Sequence[str]) -> str:
    """The documents a user picked, as they picked them: a place whose documents are all picked by its name
    (新乡), the others by title (《信阳市推动知识产权高质量发展实施方案》); empty for none picked."""
    picked = set(doc_ids)
    parts: list[str] = []
    for place in dict.fromkeys(d.place for d in documents):
        docs = [d for d in documents if d.place == place]
        if all(d.doc_id in picked for d in docs):
            parts.append(place)
        else:
            parts += [f"《{d.short_name}》" for d in docs if d.doc_id in picked]
    return "、".join(parts)
