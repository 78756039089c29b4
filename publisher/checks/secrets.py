"""Classification (密级) and secret markings as they are really written on documents.

- `classification` in the front matter: anything but 公开 is an error that blocks every channel.
  Absent means 公开: the content repo holds material meant for publication, and every text is
  still scanned for markings below.
- Markings (error `secret-marker`): a level with the star and the term (`秘密★1年`, `机密★10年`,
  `绝密★长期`, also ☆/* for a star the keyboard lacked), a level with a term and no star where it
  stands on its own (`机密　10年` at the head of a line, after `密级：`), a level or an internal
  label standing alone or in brackets (`【机密】`, a line `内部资料`), `密级：机密`, and internal
  labels with their handling words (`内部资料　注意保存`, `内部资料 请勿外传`). Spaces may be
  full-width, a level may be spread over two characters (`绝　密`), and Traditional forms count.
- A bare mention of a 绝密/机密 document (`会议传达了一份绝密文件的有关精神`) is a warning
  (`secret-mention`) quoting the sentence: the news may say that a document was relayed, but
  none of its content may follow.
- Ordinary words are not markings: 涉密人员, 不涉密, 保密教育, 保密工作, 国家秘密, 机密性.

Extra literal markers an office uses go in `[words] secret_markers` (see words.py).
"""

from __future__ import annotations

import re

from publisher.checks.context import CheckContext
from publisher.checks.positions import finding
from publisher.checks.readertext import Locator, reader_texts, sentence_at
from publisher.content.findings import Finding, Severity
from publisher.content.model import ContentItem

PUBLIC = "公开"

_SPACE = r"[\s\u3000]*"
_TOP = rf"(?:绝|絕){_SPACE}密|(?:机|機){_SPACE}密"
_LEVEL = rf"{_TOP}|秘{_SPACE}密|(?:核心|普通)?商{_SPACE}密"
_STAR = r"[★☆＊]"
_TERM = r"(?:\d{1,3}|[一二三四五六七八九十]{1,3})[\s\u3000]*(?:年|个月|個月)|长期|長期"
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_INTERNAL = r"(?:内|內)部(?:资|資|材)料|(?:内|內)部文件|(?:内|內)部刊物|(?:内|內)部(?:传|傳)(?:阅|閱)"
_HANDLING = (
    r"注意保存|注意保管|妥善保管|注意保密|(?:请|請)勿外(?:传|傳)|不得外(?:传|傳)|严禁外(?:传|傳)"
    r"|(?:请|請)勿翻印|(?:请|請)勿(?:转|轉)(?:载|載)|(?:仅|僅)供参考|(?:请|請)勿(?:扩|擴)散"
)
_OPEN, _CLOSE = r"[【\[（(〔［]", r"[】\]）)〕］]"
_DOC = (
    r"文件|文(?:电|電)|(?:电|電)(?:报|報)|公文|材料|(?:资|資)料|(?:档|檔)案|文稿|情(?:报|報)"
    r"|密件|件|(?:会|會)(?:议|議)(?:纪要|精神)?"
)

# Every character a marking below can start with (a level: 绝絕机機秘 核心/普通商密 商密 密级;
# an internal label: 内內; a bracket; 请請勿外传, 仅僅供/限, 此件不公开; a line's leading space or
# Markdown marks). The lookahead is the same test at each position the scan tries, answered
# without trying each alternative: a fifth of the time on news text, the same matches.
_FIRST = r"[\s#>*_【\[（(〔［绝絕机機秘核普商密内內请請仅僅此]"
MARKINGS = re.compile(f"(?={_FIRST})(?:" + "|".join(f"(?:{p})" for p in (
    rf"(?:{_LEVEL}){_SPACE}{_STAR}{_SPACE}(?:{_TERM})?",  # 机密★10年, 绝密★长期, 秘密★
    # An ASCII * stands for the star only before a term (elsewhere it is Markdown emphasis).
    rf"(?:{_LEVEL}){_SPACE}\*{_SPACE}(?:{_TERM})",
    rf"(?<![{_HAN}])(?:{_TOP}|秘{_SPACE}密){_SPACE}(?:{_TERM})(?![{_HAN}A-Za-z0-9])",  # 机密 10年
    rf"(?:{_INTERNAL})[\s\u3000，,、·•:：]*(?:{_HANDLING})",  # 内部资料　注意保存
    rf"{_OPEN}{_SPACE}(?:{_LEVEL}|{_INTERNAL}|{_HANDLING}|此件不公开){_SPACE}{_CLOSE}",  # 【机密】
    rf"(?m:^[\s#>*_]*(?:{_LEVEL}|{_INTERNAL}){_SPACE}[*_]*[\s\u3000]*$)",  # a line that is only 机密
    rf"密(?:级|級){_SPACE}[:：]{_SPACE}(?:{_LEVEL}|(?:内|內)部)",  # 密级：机密
    r"(?:请|請)勿外(?:传|傳)|(?:仅|僅)(?:供|限)(?:内|內)部(?:参考|參考|(?:传|傳)(?:阅|閱))|此件不公开",
)) + ")")

MENTIONS = re.compile(
    rf"(?:{_TOP})(?:级|級)?的?(?:{_DOC})|(?:{_TOP})(?:级|級)|秘{_SPACE}密(?:级|級)的?(?:{_DOC})?"
    rf"|秘密(?:文件|文(?:电|電)|(?:电|電)(?:报|報)|公文)"
)


def _compact(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text)


def classification_findings(item: ContentItem) -> list[Finding]:
    value = item.meta.classification
    if value is None or _compact(value) == PUBLIC:
        return []
    return [finding(
        item, "classification-not-public",
        f"密级为“{value}”：只有密级为“{PUBLIC}”的稿件可以发布到任何渠道"
        "（涉密和内部材料不得上网；确属可公开的，请经保密审查后改为“公开”）",
        item.line_of("classification"),
    )]


def marking_findings(item: ContentItem) -> list[Finding]:
    findings: list[Finding] = []
    locator = Locator(item)
    for text in reader_texts(item):
        if not text.text:
            continue
        spans: list[tuple[int, int]] = []
        for match in MARKINGS.finditer(text.text):
            shown = match.group().strip()
            spans.append(match.span())
            line, col = locator.position(text, match.start() + match.group().find(shown), shown)
            findings.append(finding(
                item, "secret-marker",
                f"发现密级或内部资料标识“{shown}”：涉密或内部材料不得公开发布，请删除该内容并核实稿件来源",
                line, col,
            ))
        for match in MENTIONS.finditer(text.text):
            start, end = match.span()
            if any(a < end and start < b for a, b in spans):
                continue
            sentence = sentence_at(text.text, start, end)
            line, col = locator.position(text, start, match.group())
            findings.append(finding(
                item, "secret-mention",
                f"提到{match.group()}：“{sentence}”——请核实稿件没有引用或透露其内容"
                "（可改为“传达学习了上级有关文件精神”）",
                line, col, Severity.WARNING,
            ))
    return findings


def check_secrets(item: ContentItem, ctx: CheckContext) -> list[Finding]:
    return classification_findings(item) + marking_findings(item)
