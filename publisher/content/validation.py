"""Turn pydantic validation errors into stable codes and sentences editors can act on."""

from __future__ import annotations

_TYPE_NAMES = {
    "string_type": "文字",
    "bool_type": "true 或 false",
    "int_type": "整数",
    "float_type": "数字",
    "list_type": "列表",
    "dict_type": "键值对",
    "model_type": "键值对",
    "datetime_type": "时间",
    "tuple_type": "列表",
}


def field_name(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(根)"


def describe_error(error: dict) -> tuple[str, str]:
    """(code, message) for one pydantic error. Codes: unknown-field, missing-field, wrong-type,
    bad-value, bad-date."""
    kind = error["type"]
    name = field_name(error["loc"])
    if kind == "extra_forbidden":
        return "unknown-field", f"未知字段“{name}”（请检查拼写，或参考 publisher schema）"
    if kind == "missing":
        return "missing-field", f"缺少必填字段“{name}”"
    if kind in _TYPE_NAMES or kind.endswith("_type"):
        wanted = _TYPE_NAMES.get(kind, kind.removesuffix("_type"))
        got = error.get("input")
        shown = "空值" if got is None else f"“{got}”"
        return "wrong-type", f"字段“{name}”应为{wanted}，实际为{shown}"
    message = error.get("msg", "")
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    if "时间" in message:
        return "bad-date", f"字段“{name}”：{message}"
    if kind == "string_too_short":
        return "bad-value", f"字段“{name}”不能为空"
    if kind == "string_pattern_mismatch":
        return "bad-value", f"字段“{name}”格式不符（只能用小写字母、数字、- 和 _）"
    if kind in {"literal_error", "enum"}:
        return "bad-value", f"字段“{name}”的取值不在允许范围内：{message}"
    return "bad-value", f"字段“{name}”：{message}"
