"""The notice blocks (公文格式) an editor may mark in a body with `::: 名称`, and the class each
becomes. Rendering is in publisher.render.markdown; the check in publisher.checks.layout."""

from __future__ import annotations

NOTICE_BLOCKS = {
    "主送": "notice-to", "主送机关": "notice-to",
    "附件说明": "notice-attachments", "附件": "notice-attachments",
    "落款": "notice-signature", "成文日期": "notice-date",
}  # fmt: skip
