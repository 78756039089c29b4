"""Split an item file into YAML front matter and Markdown body, keeping line numbers.

The YAML is read with a deliberately small set of implicit types, because YAML 1.1 (PyYAML)
turns `no`/`on`/`off` into booleans and `09:00` into the number 540. Here only `true`/`false`
are booleans, only plain decimals are numbers, and everything else (dates and times included)
stays a string for the pydantic model to parse with the configured timezone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FrontMatterLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    yaml_implicit_resolvers: dict = {}


FrontMatterLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
FrontMatterLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
FrontMatterLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)
FrontMatterLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)

Path_ = tuple[str | int, ...]


class FrontMatterError(Exception):
    """A problem that stops the front matter from being read at all."""

    def __init__(self, code: str, message: str, line: int | None = None, col: int | None = None):
        super().__init__(message)
        self.code, self.message, self.line, self.col = code, message, line, col


@dataclass
class Positions:
    """Where each key of the front matter sits in the file (1-based line and column)."""

    spots: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    first_line: int = 1

    def locate(self, path: Path_) -> tuple[int, int | None]:
        """The line of the deepest known prefix of `path` (pydantic error locations)."""
        for end in range(len(path), 0, -1):
            spot = self.spots.get(tuple(path[:end]))
            if spot:
                return spot
        return self.first_line, None


@dataclass
class SplitFile:
    data: dict[str, Any]
    positions: Positions
    body: str
    body_line: int  # 1-based line number of the body's first line in the file
    duplicates: list[tuple[str, int, int]] = field(default_factory=list)


_FENCE = re.compile(r"^---[ \t]*$")
_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")


def split_front_matter(text: str) -> SplitFile:
    """Split normalised text (LF line endings, no BOM) into front matter and body."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]):
        raise FrontMatterError(
            "front-matter-missing", "文件开头缺少 YAML 头信息（第一行应为 ---）", line=1, col=1
        )
    for index in range(1, len(lines)):
        if _END.match(lines[index]):
            end = index
            break
    else:
        raise FrontMatterError(
            "front-matter-unclosed", "YAML 头信息没有结束标记（缺少第二个 ---）", line=1, col=1
        )
    yaml_text = "\n".join(lines[1:end])
    for number, line in enumerate(lines[1:end], start=2):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            raise FrontMatterError(
                "yaml-tab", "YAML 缩进不能使用制表符（Tab），请改用空格", line=number, col=len(line) - len(stripped) + 1
            )
    data, positions, duplicates = _parse_yaml(yaml_text, line_offset=1)
    body = "\n".join(lines[end + 1 :])
    return SplitFile(data, positions, body, body_line=end + 2, duplicates=duplicates)


def _parse_yaml(text: str, line_offset: int) -> tuple[dict, Positions, list]:
    positions = Positions(first_line=line_offset + 1)
    if not text.strip():
        return {}, positions, []
    loader = FrontMatterLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, positions, []
        if not isinstance(node, yaml.MappingNode):
            line = node.start_mark.line + line_offset + 1
            raise FrontMatterError("front-matter-not-mapping", "YAML 头信息应为“键: 值”的形式", line=line, col=1)
        duplicates: list[tuple[str, int, int]] = []
        data = _build(loader, node, (), positions, duplicates, line_offset)
        return data, positions, duplicates
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or ""
        # An unclosed quote or bracket is found only at the end; point at where it was opened.
        mark = exc.problem_mark or exc.context_mark
        at_end = exc.problem_mark is not None and exc.problem_mark.index >= len(text.rstrip())
        if at_end and exc.context_mark is not None:
            mark = exc.context_mark
        line = mark.line + line_offset + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise FrontMatterError("yaml-syntax", f"YAML 语法错误：{_yaml_problem(problem)}", line=line, col=col) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError("yaml-syntax", f"YAML 语法错误：{exc}") from None
    finally:
        loader.dispose()


_YAML_PROBLEMS = {
    "end of stream": "引号或括号没有闭合",
    "<stream end>": "引号或括号没有闭合",
    "did not find expected ',' or ']'": "方括号没有闭合或缺少逗号",
    "did not find expected ',' or '}'": "花括号没有闭合或缺少逗号",
    "mapping values are not allowed": "此处不能再出现“: ”（值中含有冒号时请给整个值加引号）",
    "could not find expected ':'": "缺少冒号“:”",
    "did not find expected key": "缩进不一致或缺少字段名",
    "expected <block end>": "缩进不一致",
    "did not find expected '-'": "列表项缩进不一致",
    "undefined alias": "以 * 开头的值请加引号",
    "cannot start any token": "含有不能出现在此处的字符（如 @、` 开头的值请加引号）",
}


def _yaml_problem(problem: str) -> str:
    """PyYAML's problem in words an editor can act on (the original kept for developers)."""
    for needle, words in _YAML_PROBLEMS.items():
        if needle in problem:
            return f"{words}（{problem}）"
    return problem or "无法解析"


def _build(loader, node, path: Path_, positions: Positions, duplicates: list, offset: int) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict = {}
        for key_node, value_node in node.value:
            key = _scalar(loader, key_node)
            if not isinstance(key, str | int) or isinstance(key, bool):
                key = str(key)
            spot = (key_node.start_mark.line + offset + 1, key_node.start_mark.column + 1)
            if key in result:
                duplicates.append((str(key), *spot))
            positions.spots[(*path, key)] = spot
            result[key] = _build(loader, value_node, (*path, key), positions, duplicates, offset)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, child in enumerate(node.value):
            positions.spots[(*path, index)] = (child.start_mark.line + offset + 1, child.start_mark.column + 1)
            items.append(_build(loader, child, (*path, index), positions, duplicates, offset))
        return items
    return _scalar(loader, node)


_SCALARS = {
    "tag:yaml.org,2002:str": lambda value: value,
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:bool": lambda value: value.lower() == "true",
    "tag:yaml.org,2002:null": lambda value: None,
}


def _scalar(loader, node) -> Any:
    """Plain scalars straight from their resolved tag (our resolvers only ever produce these
    five); PyYAML's generic constructor is the slow part of loading 10,000 items."""
    if isinstance(node, yaml.ScalarNode) and node.tag in _SCALARS:
        try:
            return _SCALARS[node.tag](node.value)
        except ValueError:
            pass
    return loader.construct_object(node, deep=True)
