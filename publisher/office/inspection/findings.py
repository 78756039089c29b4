"""What an inspection reports: findings in Chinese, each naming the rule it answers to.

Severity `error` is a problem the office must fix; `veto` marks the ones that alone fail a
national inspection (单项否决: a 僵尸号, a stale home page, five or more stale or empty columns).
Vetoes set the exit code, so `publisher inspect` can run from cron or CI.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

# The national rules (国务院办公厅《政府网站与政务新媒体检查指标》, 2019) and the monthly
# monitoring the offices do themselves.
_NATIONAL = "依据《政府网站与政务新媒体检查指标》："
RULE_ACCOUNT = _NATIONAL + "监测时间点前 2 周内无更新（单项否决）"
RULE_HOME = _NATIONAL + "网站首页栏目信息超过 2 周未更新（单项否决）"
RULE_COLUMNS = (
    _NATIONAL + "动态、要闻类栏目超过 2 周未更新，通知公告、政策文件类栏目超过 6 个月未更新，"
    "累计 5 个及以上（单项否决）"
)
RULE_EMPTY = _NATIONAL + "空白栏目 5 个及以上（单项否决）"
RULE_LINKS = "依据月度监测要求（链接可用性）：网站不得有无法访问的链接"
RULE_IMAGES = "依据月度监测要求（链接可用性）：页面引用的图片应能正常显示"
RULE_EXTERNAL = "依据月度监测要求（链接可用性）：站外链接应能正常访问"

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class InspectionFinding:
    code: str  # stable machine code, e.g. "account-stale"
    severity: str  # "error" | "warning"
    subject: str  # an account id, "首页", a column id, or a page path
    message: str  # Chinese sentence for editors
    rule: str  # the rule the finding answers to
    veto: bool = False
    days: int | None = None  # days since the last update, where that is the point
    where: str | None = None  # the page the problem was found on (links, images)

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        level = "单项否决" if self.veto else ("问题" if self.severity == ERROR else "提醒")
        return f"[{level}] {self.message}（{self.rule}）"


@dataclass
class InspectionResult:
    checked_at: datetime
    findings: list[InspectionFinding] = field(default_factory=list)
    accounts_checked: int = 0
    columns_checked: int = 0
    pages_checked: int = 0
    links_checked: int = 0
    site_checked: bool = False

    @property
    def vetoes(self) -> list[InspectionFinding]:
        return [f for f in self.findings if f.veto]

    @property
    def errors(self) -> list[InspectionFinding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[InspectionFinding]:
        return [f for f in self.findings if f.severity == WARNING]

    def exit_code(self, *, strict: bool = False) -> int:
        """1 when a veto-level problem was found (with `strict`: any error); else 0."""
        return 1 if self.vetoes or (strict and self.errors) else 0

    def codes(self) -> list[tuple[str, str, str]]:
        """(code, severity, subject) of every finding: what tests and scripts compare."""
        return [(f.code, f.severity, f.subject) for f in self.findings]

    def summary(self) -> str:
        verdict = "存在单项否决问题" if self.vetoes else "未发现单项否决问题"
        site = (
            f"{self.columns_checked} 个栏目、{self.pages_checked} 个页面（{self.links_checked} 个链接）"
            if self.site_checked
            else "网站未检查"
        )
        return (
            f"检查了 {self.accounts_checked} 个账号、{site}：{verdict}；"
            f"问题 {len(self.errors)} 项，提醒 {len(self.warnings)} 项"
        )

    def to_dict(self) -> dict:
        return {
            "checked_at": self.checked_at.isoformat(),
            "exit_code": self.exit_code(),
            "summary": self.summary(),
            "accounts_checked": self.accounts_checked,
            "columns_checked": self.columns_checked,
            "pages_checked": self.pages_checked,
            "links_checked": self.links_checked,
            "site_checked": self.site_checked,
            "findings": [f.to_dict() for f in self.findings],
        }
