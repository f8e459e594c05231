"""What each capture scenario sent, as a tree: scenario → request → field; compared fields show
`before → after`, list fields (betas, tools, system blocks) show their items added and removed."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ..requests import Field, Request

MARK_STYLES = {"+": "green", "-": "red strike", "~": "yellow", " ": ""}
STATUS_STYLES = {"changed": "yellow", "added": "green", "removed": "red", "same": "dim"}
WIDE = 70  # a scalar longer than this is cut in the label (Enter shows it whole)


@dataclass(frozen=True)
class FieldRef:
    """Which field a leaf shows: what the screen needs to open its diff."""

    scenario: str
    role: str
    field: Field


def _cut(value: object) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= WIDE else text[: WIDE - 1] + "…"


def field_label(field: Field) -> Text:
    name = Text(f"{field.name:19}", style="bold yellow" if field.changed else "bold")
    if field.is_list:
        marks = [m for m, _ in field.items()]
        counts = {m: marks.count(m) for m in "+-~"}
        delta = "  (" + " ".join(f"{w}{counts[m]}" for m, w in (("+", "+"), ("-", "−"), ("~", "~")) if counts[m]) + ")" if field.changed else ""
        return Text.assemble(name, (f"{len(field.after or ())}", ""), (delta, "yellow"))
    if not field.changed:
        return Text.assemble(name, _cut(field.after if field.after is not None else field.before))
    return Text.assemble(name, (_cut(field.before), "red"), " → ", (_cut(field.after), "green"))


class RequestTree(Tree[FieldRef]):
    """Scenarios as branches; a request per role; its fields as leaves (lists as branches of items).
    What changed is expanded, the rest folded; Enter on a field asks for its diff."""

    @dataclass
    class Chosen(Message):
        ref: FieldRef

    def __init__(self, title: str, scenarios: dict[str, list[Request]], notes: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(title, **kwargs)
        self.scenarios = scenarios
        self.notes = notes or {}
        self.show_root = True

    def on_mount(self) -> None:
        self.root.expand()
        for i, (scenario, reqs) in enumerate(self.scenarios.items()):
            changed = sum(r.changed for r in reqs) + sum(r.status in ("added", "removed") for r in reqs)
            summary = f"{changed} changed" if changed else "no change" if any(f.compared for r in reqs for f in r.fields) else f"{len(reqs)} request{'s' if len(reqs) != 1 else ''}"
            note = self.notes.get(scenario, "")
            label = Text.assemble((scenario, "bold"), "  ", (summary, "yellow" if changed else "dim"), (f"  {note}" if note else "", "italic"))
            branch = self.root.add(label, expand=bool(changed) or i == 0)
            for request in reqs:
                self._request(branch, scenario, request)

    def _request(self, parent: TreeNode[FieldRef], scenario: str, request: Request) -> None:
        status = "" if request.status == "same" else f"  {request.status}"
        node = parent.add(
            Text.assemble((f"{request.role} ", "bold"), (f"({request.model})", "cyan"), (status, STATUS_STYLES.get(request.status, ""))),
            expand=request.status != "same" or not any(f.compared for f in request.fields),
        )
        for field in request.fields:
            ref = FieldRef(scenario, request.role, field)
            if field.is_list:
                branch = node.add(field_label(field), data=ref, expand=field.changed)
                for mark, item in field.items():
                    branch.add_leaf(Text.assemble((f"{mark} ", MARK_STYLES[mark]), (item, MARK_STYLES[mark] if mark != " " else "")), data=ref)
            else:
                node.add_leaf(field_label(field), data=ref)

    def on_tree_node_selected(self, event: Tree.NodeSelected[FieldRef]) -> None:
        if event.node.data is not None and not event.node.allow_expand:
            event.stop()
            self.post_message(self.Chosen(event.node.data))
