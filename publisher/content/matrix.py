"""`publisher.toml`: the office's matrix of accounts, site columns, review policy and word lists.

Secrets are never here: each account's credentials come from the environment
(see `settings.account_secret`).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from publisher.content.attachment_types import DEFAULT_MAX_BYTES as DEFAULT_ATTACHMENT_BYTES
from publisher.content.attachment_types import DEFAULT_TYPES, FORBIDDEN_TYPES
from publisher.content.findings import Finding
from publisher.content.notifications import NotifySettings
from publisher.content.picture_limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS
from publisher.content.validation import describe_error

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
CONFIG_NAME = "publisher.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Account(_Strict):
    id: str = Field(pattern=SLUG, description="账号标识，在 targets 中引用")
    name: str = Field(min_length=1, description="账号显示名称")
    channel: str = Field(pattern=SLUG, description="渠道名：已安装的渠道（内置或插件），见 publisher accounts")
    default: bool = Field(True, description="条目未写 targets 时是否默认发布到此账号")
    options: dict[str, Any] = Field(default_factory=dict, description="渠道专有设置（不含密钥）")
    script: Literal["简体", "繁体"] = Field("简体", description="账号使用的字形：简体（默认）或繁体")

    @field_validator("script", mode="before")
    @classmethod
    def _script_alias(cls, value: Any) -> Any:
        aliases = {"simplified": "简体", "zh-hans": "简体", "hans": "简体", "簡體": "简体",
                   "traditional": "繁体", "zh-hant": "繁体", "hant": "繁体", "繁體": "繁体"}
        return aliases.get(value.strip().lower(), value.strip()) if isinstance(value, str) else value


ColumnKind = Literal["news", "notice", "policy", "other"]
_UPDATE_DAYS = {"news": 14, "notice": 180, "policy": 180, "other": None}


class Column(_Strict):
    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    kind: ColumnKind = "news"
    update_days: int | None = Field(None, ge=1, description="更新时限（天）；默认按栏目类型")

    @property
    def update_within_days(self) -> int | None:
        return self.update_days if self.update_days is not None else _UPDATE_DAYS[self.kind]


class Reviewer(_Strict):
    """A person who may sign review stages, known by the git identity they commit with."""

    name: str = Field(min_length=1, description="姓名，与签发记录中的 by 一致")
    email: str = Field(min_length=3, description="git 提交身份（git config user.email）")
    stages: list[str] = Field(min_length=1, description="可以签发的审核环节")
    key: str | None = Field(None, description="签名密钥：SSH 公钥（ssh-ed25519 AAAA…）、SSH 指纹（SHA256:…）或 GPG 指纹")

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


class ReviewPolicy(_Strict):
    stages: list[str] = Field(default_factory=lambda: ["初审", "复审", "终审"], min_length=1)
    distinct_people: bool = True
    in_order: bool = True
    # "git": a sign-off counts only when the commit that introduced it was made by the registered
    # reviewer and the content has not changed since (DESIGN decision 9). "none": lines are taken
    # as written, for trying the software out on a folder that is not a git repo.
    verify: Literal["git", "none"] = "git"
    require_signatures: bool = Field(False, description="签发提交必须带有 git 能核验的 SSH 或 GPG 签名")
    allowed_signers: str | None = Field(None, description="SSH 签名的 allowed signers 文件（相对内容库根目录）")
    reviewers: list[Reviewer] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_stages(self) -> ReviewPolicy:
        emails = [r.email for r in self.reviewers]
        twice = sorted({e for e in emails if emails.count(e) > 1})
        if twice:
            raise ValueError(f"审核人的 git 身份重复：{', '.join(twice)}")
        for reviewer in self.reviewers:
            unknown = [s for s in reviewer.stages if s not in self.stages]
            if unknown:
                raise ValueError(f"审核人“{reviewer.name}”的可签发环节“{'、'.join(unknown)}”不在 stages 中")
        return self

    def reviewer(self, email: str) -> Reviewer | None:
        email = email.strip().lower()
        return next((r for r in self.reviewers if r.email == email), None)


class SensitiveWord(_Strict):
    word: str = Field(min_length=1)
    severity: Literal["error", "warning"] = "error"
    note: str | None = None


class PreferredWording(_Strict):
    word: str = Field(min_length=1, description="不规范表述")
    use: str = Field(min_length=1, description="规范表述")


class WordLists(_Strict):
    # Markings as written on documents (秘密★1年, 内部资料　注意保存 …) are built into
    # publisher/checks/secrets.py; this list adds an office's own literal markers.
    secret_markers: list[str] = Field(default_factory=list, description="本单位额外的涉密或内部标识（原文出现即拦截）")
    sensitive: list[SensitiveWord] = Field(default_factory=list)
    preferred: list[PreferredWording] = Field(default_factory=list)


_PLACEHOLDER_CHARS = "XxＸｘ×✕╳"
_ZH_DIGITS = "一二三四五六七八九十零〇○两"
_UNITS = ("年|月|日|号|时|点|分|秒|元|万|亿|个|名|人|位|项|家|次|条|届|期|批|份|件|天|周|岁|户|所|处|座"
          "|场|部|组|篇|台|辆|公里|千米|米|平方|%|％")
DEFAULT_PLACEHOLDERS: tuple[str, ...] = (
    # XX, xx, ＸＸ, ××, XXX (not XML, XXL, xxgk in a government URL: letters around it)
    rf"(?<![A-Za-z0-9_])[{_PLACEHOLDER_CHARS}]{{2,}}(?![A-Za-z0-9_])",
    # 20xx, 202X, 19XX
    rf"(?<![A-Za-z0-9_])(?:19|20)(?:[0-9][{_PLACEHOLDER_CHARS}]|[{_PLACEHOLDER_CHARS}][0-9{_PLACEHOLDER_CHARS}])"
    r"(?![A-Za-z0-9_])",
    # x月x日, X名, ○月○日, 第X届 (not X光, x86, iPhone X, 二〇二〇年)
    rf"(?<![A-Za-z0-9_{_ZH_DIGITS}])[{_PLACEHOLDER_CHARS}○〇□]{{1,2}}(?=[\s\u3000]*(?:{_UNITS}))",
    rf"第[\s\u3000]*[{_PLACEHOLDER_CHARS}○〇□]{{1,3}}(?![A-Za-z0-9_])",
    # ○○, □□ (not the 〇〇 of 二〇〇八年)
    rf"(?<![{_ZH_DIGITS}])[○〇□△]{{2,}}(?![{_ZH_DIGITS}])",
    # 【此处插入图片】, 【待补充】, （待补充）, [TODO] — not explanations such as （这里指……）
    r"【[\s\u3000]*(?:此处|这里|在此|待|请(?:补充|填写|插入|替换|输入|核实|确认)|插入|补充|填写|TODO|TBD)[^】\n]{0,40}】",
    r"[（(\[［〔][\s\u3000]*(?:此处(?:插入|填写|添加|替换|补充|放置?)|待(?:补充|完善|核实|确认|定|填|更新|修改)"
    r"|请(?:补充|填写|插入|替换|输入)|TODO|TBD)[^)）\]］〕\n]{0,40}[)）\]］〕]",
    r"(?<!有)待补充|此处(?:插入|填写|添加|替换|补充)|请在此处",
    r"(?<![A-Za-z0-9_])(?:TODO|FIXME|TBD)(?![A-Za-z0-9_])",
    r"\{\{[^{}\n]{0,40}\}\}",
    r"[Ll]orem ipsum",
)


class PlaceholderRules(_Strict):
    """Template placeholders (模板占位符，检查指标中的严重表述错误): regular expressions."""

    patterns: list[str] = Field(
        default_factory=lambda: list(DEFAULT_PLACEHOLDERS), description="占位符规则（正则表达式）；写出即替换内置规则"
    )
    extra: list[str] = Field(default_factory=list, description="在内置规则之外再加的占位符（正则表达式）")
    allow: list[str] = Field(default_factory=list, description="不算占位符的写法（原文，出现在其中的匹配不报）")

    @field_validator("patterns", "extra")
    @classmethod
    def _regex(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"占位符规则“{value}”不是有效的正则表达式：{exc}") from None
        return values


class CheckLimits(_Strict):
    """Limits the editorial checks apply to every item (channel limits come on top)."""

    image_max_bytes: int = Field(DEFAULT_MAX_BYTES, ge=1, description="单张图片文件大小上限（字节），默认 64 MB")
    image_max_pixels: int = Field(DEFAULT_MAX_PIXELS, ge=1,
                                  description="单张图片像素上限，默认 2 亿像素（相机原图都在此以内；防“解压炸弹”）")


class AttachmentSettings(_Strict):
    """`[attachments]`: which files a notice may carry (附件) and how large."""

    types: list[str] = Field(default_factory=lambda: list(DEFAULT_TYPES),
                             description="允许的附件类型（扩展名，小写，不带点）")
    max_bytes: int = Field(DEFAULT_ATTACHMENT_BYTES, ge=1, description="单个附件大小上限（字节），默认 20 MB")

    @field_validator("types")
    @classmethod
    def _never_programs(cls, value: list[str]) -> list[str]:
        cleaned = [t.strip().lower().lstrip(".") for t in value]
        forbidden = sorted(set(cleaned) & FORBIDDEN_TYPES)
        if forbidden:
            raise ValueError(f"附件类型不能包含可执行程序、脚本或网页文件：{'、'.join(forbidden)}")
        return cleaned


class TypographyStyle(_Strict):
    """`[typography]`: the house style the typography check and `--fix` apply. The defaults are
    公文 style (GB/T 15834 punctuation, GB/T 15835 numbers); an office that writes otherwise
    switches single rules off here."""

    space_between_chinese_and_numbers: bool = Field(
        False, description="中文与数字之间是否加空格；公文写法不加（“2026年11月20日”“3600余项”）")
    space_between_chinese_and_latin: bool = Field(True, description="中文与英文之间是否加空格（“AI 应用”）")
    fullwidth_punctuation: bool = Field(True, description="中文语境中的半角标点（, ; : ! ?）改为全角")
    fullwidth_brackets: bool = Field(True, description="中文语境中的半角括号 ( ) 改为全角（）")
    thousands_separators: bool = Field(
        False, description="正文行文中是否允许千分位逗号（“3,600”）；表格中始终允许")


class SiteSettings(_Strict):
    title: str = "门户网站"
    base_url: str = "http://127.0.0.1:8000"
    description: str = ""
    language: str = "zh-CN"
    per_page: int = Field(20, ge=1, le=200)

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("base_url 必须以 http:// 或 https:// 开头")
        return value.rstrip("/")


class RewardTier(_Strict):
    min_points: float = Field(ge=0, description="进入本档所需的最低积分")
    label: str = Field(min_length=1, description="档次名称，如“一档”")
    targets_met: bool = Field(False, description="年度考核：还须完成报送和采用目标才能进入本档")


# 信息类型 as offices classify 政务信息; an office may rename or add its own in [report].
INFO_TYPES: tuple[str, ...] = ("动态", "经验做法", "问题建议", "舆情")
# 本级: adopted by the office itself (its 《信息》 or, counted per channel, its own accounts);
# every other level is 上级采用 (higher-level 政务信息 publications and mainstream media).
LOCAL_LEVEL = "本级"
DEFAULT_LEVELS: dict[str, float] = {"本级": 1, "市级": 3, "省级": 5, "国家级": 10, "媒体": 2}


class DepartmentTarget(_Strict):
    """One department's targets (目标考核): yearly counts, optionally per quarter too."""

    submitted: int | None = Field(None, ge=0, description="年度报送目标（条）")
    adopted: int | None = Field(None, ge=0, description="年度采用目标（条）")
    quarter_submitted: int | None = Field(None, ge=0, description="每季度报送目标（条）")
    quarter_adopted: int | None = Field(None, ge=0, description="每季度采用目标（条）")


class ReportRules(_Strict):
    """Reports (信息报送通报, 年度考核): points per adoption, tiers (分档奖励), targets (目标考核)."""

    points: dict[str, float] = Field(default_factory=dict, description="按渠道计分：每条采用稿件的分值")
    account_points: dict[str, float] = Field(default_factory=dict, description="按账号计分（优先于渠道分值）")
    default_points: float = Field(1.0, ge=0, description="未列出的渠道每条采用稿件的分值")
    tiers: list[RewardTier] = Field(default_factory=list, description="分档：积分不低于 min_points 即入该档")
    types: list[str] = Field(default_factory=lambda: list(INFO_TYPES), min_length=1,
                             description="信息类型（报送时选择其一）")
    levels: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_LEVELS),
                                     description="采用级别及每条的分值（本级以外的都算上级采用）")
    type_points: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="按信息类型另定的分值：类型 → 级别 → 分值（优先于 levels）")
    targets: dict[str, DepartmentTarget] = Field(default_factory=dict, description="各报送单位的目标：单位名 → 目标")
    annual_tiers: list[RewardTier] = Field(default_factory=list, description="年度考核分档；省略时按 tiers")

    @field_validator("points", "account_points", "levels")
    @classmethod
    def _not_negative(cls, value: dict[str, float]) -> dict[str, float]:
        negative = sorted(k for k, v in value.items() if v < 0)
        if negative:
            raise ValueError(f"分值不能为负数：{'、'.join(negative)}")
        return value

    @field_validator("types")
    @classmethod
    def _distinct_types(cls, value: list[str]) -> list[str]:
        cleaned = [t.strip() for t in value]
        if any(not t for t in cleaned) or len(set(cleaned)) != len(cleaned):
            raise ValueError("信息类型不能为空，也不能重复")
        return cleaned

    @model_validator(mode="after")
    def _known_types_and_levels(self) -> ReportRules:
        for info_type, by_level in self.type_points.items():
            if info_type not in self.types:
                raise ValueError(f"type_points 中的信息类型“{info_type}”不在 types（{'、'.join(self.types)}）中")
            unknown = [lv for lv in by_level if lv not in self.levels]
            if unknown:
                raise ValueError(f"type_points.{info_type} 中的级别“{'、'.join(unknown)}”不在 levels 中")
            negative = [lv for lv, v in by_level.items() if v < 0]
            if negative:
                raise ValueError(f"type_points.{info_type} 的分值不能为负数：{'、'.join(negative)}")
        return self

    def points_for(self, channel: str, account_id: str) -> float:
        if account_id in self.account_points:
            return self.account_points[account_id]
        return self.points.get(channel, self.default_points)

    def level_points(self, level: str, info_type: str | None = None) -> float:
        """Points of one adoption recorded at `level` (not a channel publication)."""
        by_type = self.type_points.get(info_type or "", {})
        if level in by_type:
            return by_type[level]
        return self.levels.get(level, self.default_points)

    @property
    def upper_levels(self) -> list[str]:
        """上级采用 levels, in the order publisher.toml lists them."""
        return [lv for lv in self.levels if lv != LOCAL_LEVEL]

    def tier_for(self, score: float) -> str:
        return _tier(self.tiers, score, targets_met=True)

    def annual_tier_for(self, score: float, *, targets_met: bool) -> str:
        return _tier(self.annual_tiers or self.tiers, score, targets_met=targets_met)


def _tier(tiers: list[RewardTier], score: float, *, targets_met: bool) -> str:
    reached = [t for t in tiers if score >= t.min_points and (targets_met or not t.targets_met)]
    return max(reached, key=lambda t: t.min_points).label if reached else ""


class InspectionSettings(_Strict):
    """Monitoring thresholds, after the 2019 national inspection rules (政府网站与政务新媒体检查指标)."""

    warn_days: int = Field(10, ge=1, description="账号或栏目多少天未更新时提醒")
    stale_days: int = Field(14, ge=1, description="账号、首页多少天未更新即为单项否决（两周）")
    notice_days: int = Field(180, ge=1, description="通知公告、政策类栏目的更新时限（六个月）")
    veto_columns: int = Field(5, ge=1, description="未更新或空白栏目达到此数即为单项否决")
    external_links: bool = Field(False, description="是否检查站外链接（需要联网，默认关闭）")


class Matrix(_Strict):
    timezone: str = "Asia/Shanghai"
    site: SiteSettings = Field(default_factory=SiteSettings)
    columns: list[Column] = Field(default_factory=list)
    default_column: str | None = None
    accounts: list[Account] = Field(default_factory=list)
    review: ReviewPolicy = Field(default_factory=ReviewPolicy)
    words: WordLists = Field(default_factory=WordLists)
    placeholders: PlaceholderRules = Field(default_factory=PlaceholderRules)
    checks: CheckLimits = Field(default_factory=CheckLimits)
    typography: TypographyStyle = Field(default_factory=TypographyStyle)
    attachments: AttachmentSettings = Field(default_factory=AttachmentSettings)
    report: ReportRules = Field(default_factory=ReportRules)
    inspection: InspectionSettings = Field(default_factory=InspectionSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"未知时区“{value}”，例如 Asia/Shanghai") from None
        return value

    @model_validator(mode="after")
    def _unique(self) -> Matrix:
        for label, ids in (("账号", [a.id for a in self.accounts]), ("栏目", [c.id for c in self.columns])):
            seen = {i for i in ids if ids.count(i) > 1}
            if seen:
                raise ValueError(f"{label}标识重复：{', '.join(sorted(seen))}")
        # Secrets are named after the id: a target sharing an account's id would share its variables.
        shared = {t.id for t in self.notify.targets} & {a.id for a in self.accounts}
        if shared:
            raise ValueError(f"通知对象标识与账号标识相同：{', '.join(sorted(shared))}")
        if self.default_column and self.default_column not in {c.id for c in self.columns}:
            raise ValueError(f"default_column “{self.default_column}” 不是已定义的栏目")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def account(self, account_id: str) -> Account | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    def accounts_for(self, channel: str) -> list[Account]:
        return [a for a in self.accounts if a.channel == channel]

    def column(self, column_id: str) -> Column | None:
        return next((c for c in self.columns if c.id == column_id), None)


class MatrixError(Exception):
    """publisher.toml cannot be used; carries every problem found."""

    def __init__(self, findings: list[Finding]):
        super().__init__("\n".join(str(f) for f in findings))
        self.findings = findings


def load_matrix(root: Path) -> Matrix:
    """Read `publisher.toml` under the content root; raise MatrixError listing every problem."""
    path = root / CONFIG_NAME
    shown = path.as_posix()
    if not path.is_file():
        raise MatrixError([Finding("config-missing", f"找不到配置文件 {CONFIG_NAME}", shown)])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MatrixError([Finding("config-encoding", "配置文件不是 UTF-8 编码", shown)]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (int(match[1]), int(match[2])) if match else (None, None)
        raise MatrixError(
            [Finding("config-syntax", f"TOML 语法错误：{toml_error_text(str(exc).split(' (at')[0])}", shown, line, col)]
        ) from None
    duplicates = _duplicate_ids(data, text, shown)
    if duplicates:
        raise MatrixError(duplicates)
    try:
        return Matrix.model_validate(data)
    except ValidationError as exc:
        findings = []
        for error in exc.errors():
            line = _toml_line(text, error["loc"])
            code, message = describe_error(error)
            findings.append(Finding(f"config-{code}", message, shown, line))
        raise MatrixError(findings) from None


# tomllib's messages, as an editor reads them (the original stays in brackets for searching).
_TOML_ERRORS = (
    ("Illegal character '\\n'", "这一行的字符串没有结束（缺少右引号）"),
    ("Unterminated string", "字符串没有结束（缺少右引号）"),
    ("Illegal character", "出现了不允许的字符"),
    ("Expected '=' after a key", "键后面缺少等号“=”"),
    ("Expected ']]' at the end", "数组表头缺少“]]”"),
    ("Expected ']' at the end", "表头缺少“]”"),
    ("Expected newline or end of document", "一行只能写一个设置（值后面多了内容）"),
    ("Unclosed array", "列表缺少右方括号“]”"),
    ("Unclosed inline table", "内联表缺少右花括号“}”"),
    ("Invalid value", "值的写法不对（字符串要加引号）"),
    ("Invalid statement", "无法识别的写法"),
    ("Invalid initial character for a key", "键名以不允许的字符开头"),
    ("Cannot declare", "同一个表或键重复声明"),
    ("Cannot overwrite a value", "同一个键重复赋值"),
    ("Invalid date or datetime", "日期或时间的写法不对"),
)


def toml_error_text(message: str) -> str:
    for english, chinese in _TOML_ERRORS:
        if message.startswith(english):
            return f"{chinese}（{message}）"
    return message


def _duplicate_ids(data: dict, text: str, shown: str) -> list[Finding]:
    """Each repeated account or column id, at the line of its second (third …) occurrence."""
    findings = []
    for table, label in (("accounts", "账号"), ("columns", "栏目")):
        entries = data.get(table)
        if not isinstance(entries, list):
            continue
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            ident = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(ident, str):
                continue
            if ident in seen:
                findings.append(Finding(
                    "config-duplicate-id", f"{label}标识“{ident}”重复：每个{label}的 id 只能出现一次", shown,
                    _toml_line(text, (table, index, "id")),
                ))  # fmt: skip
            seen.add(ident)
    return findings


def toml_line(text: str, loc: tuple) -> int | None:
    """The line of a key in publisher.toml text, e.g. ("accounts", 2, "options", "base_url")."""
    return _toml_line(text, loc)


def _toml_line(text: str, loc: tuple) -> int | None:
    """Best-effort line of a validation error location in TOML text (tomllib keeps no positions)."""
    lines = text.split("\n")
    start = 0
    for depth, part in enumerate(loc):
        if isinstance(part, int):
            continue
        nxt = loc[depth + 1] if depth + 1 < len(loc) else None
        if isinstance(nxt, int):
            headers = [i for i, ln in enumerate(lines) if re.match(rf"^\s*\[\[\s*{re.escape(part)}\s*\]\]", ln)]
            if len(headers) > nxt:
                start = headers[nxt]
                continue
        for i in range(start, len(lines)):
            if re.match(rf"^\s*(\[+\s*)?([\w.]*\.)?{re.escape(str(part))}\s*(=|\])", lines[i]):
                start = i
                break
    return start + 1 if loc else None
