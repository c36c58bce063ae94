"""`?`: what every key does, and where the rules come from."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# auditui — keys

| key | does |
|---|---|
| ↑ ↓ / j k | move through changes |
| n / p | next / previous blocked change |
| / | filter by text (subject, author, model, rule, setting); enter returns to the list |
| s | cycle status filter: all → blocked → overridden → pass → exempt → reverted |
| t | timeline of the selected change's model, oldest first |
| c | in the timeline: the model's config as of that change, who set each setting |
| m | in the timeline: pick another model (under 120 columns the list shows over the table) |
| i | incident: the changes in force on the selected change's models, ranked, and when |
| / m | in the incident view: edit the models (enter asks again) / chart the next model |
| a / x | approve / reject the selected change (as `git config user.email`) |
| w | withdraw your approval or rejection of it (your word becomes no vote) |
| e | add an eval result to the selected change: numbers, or two eval tool output files |
| r | reload history and records |
| ctrl+p | command palette (also: theme) |
| ? | this help · q quits |

Approvals and evals are written to the change's record in the working tree
(`audit/<fingerprint>.toml`); commit it for CI and the pre-push hook to see it.

**Overrides.** A change let through by `auditui override` shows `⚠ overridden`: it
does not block, and its detail says who, when, why and the hours left to record
the evidence it owes. Once they have passed it is blocked again (AUD014). The
`overridden` filter keeps both kinds.

**Rules.** AUD001 no record · AUD002 missing eval · AUD003 eval regression ·
AUD004 too few approvals · AUD005 self-approval · AUD006 approver not allowed ·
AUD007 signature missing or bad · AUD008 rejected · AUD009 unparseable file ·
AUD010 rollout stage or soak · AUD011 record fingerprint mismatch · AUD012 eval
without the error bars or samples asked · AUD013 no owner's approval · AUD014 an
override's follow-up is overdue.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 100%; height: 80%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(HELP)
