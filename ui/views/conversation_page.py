"""The guided conversation as a page: the template's stages as tabs (stage 2 only when the
worker marks a crisis), each prompt with what is recorded under it; at a review, the
previous conversation and the wellbeing trajectory beside it.

Layout only: the blocks come from ``ui.forms.conversation_form.layout_for(template)``;
every decision is the controller's.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from carer_desk.ports import SyncState
from carer_desk.records.conversation import GuidedConversation
from carer_desk.rules.eligibility import EligibilityResult
from carer_desk.services.printing import Rendered
from ui.controllers.conversation import ConversationController, ConversationView
from ui.events import UserMessage
from ui.forms.conversation_form import (
    ACTIONS,
    CRISIS,
    DRAWN_PARTS,
    GOALS,
    ONE_IS_ENOUGH,
    PART_FIELDS,
    STAGE1_ENOUGH,
    Block,
    action_list,
    goal_list,
    layout_for,
    outcome_specs,
    settled_outcome,
    wellbeing_specs,
)
from ui.forms.conversation_summary import summary_sections
from ui.forms.fields import FieldSpec, Kind, choices_of
from ui.icons import icon
from ui.models.sync_state import state_icon_name, state_word
from ui.print_preview import preview_dialog
from ui.views.form_builder import FieldWidget, ListEditor, build_fields, show_problems
from ui.views.wellbeing_chart import WellbeingTrajectory
from ui.views.widgets import banner, button, form_layout, heading, hint, paragraph, subheading

# Choices that change the decision shown while the conversation goes on.
DECIDING = ("impact", "health_at_risk")


def _scrolled(content: QWidget, name: str, parent: QWidget) -> QScrollArea:
    scroll = QScrollArea(parent)
    scroll.setWidgetResizable(True)
    scroll.setWidget(content)
    scroll.setAccessibleName(name)
    return scroll


class ConversationPage(QWidget):
    def __init__(
        self,
        controller: ConversationController,
        *,
        back: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._back = back
        self._filling = False
        self.fields: dict[str, FieldWidget] = {}
        self.lists: dict[str, ListEditor] = {}
        self.stage_tabs: dict[int, int] = {}
        self.preview = None
        self.setAccessibleName("Guided conversation")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.back_button = button(
            "&Back", name="Back to the carer's record", icon_name="back", parent=self
        )
        self.back_button.clicked.connect(self.go_back)
        top.addWidget(self.back_button)
        self.title = heading("Opening the conversation…", self)
        top.addWidget(self.title, 1)
        self.state_icon = QLabel(self)
        self.state_icon.setAccessibleName("Sync state icon")
        self.state = QLabel("", self)
        self.state.setAccessibleName("Sync state")
        top.addWidget(self.state_icon)
        top.addWidget(self.state)
        layout.addLayout(top)
        self.notice = banner(name="Notice about this conversation", parent=self)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        self.missing = banner(name="What completing still needs", parent=self)
        self.missing.setVisible(False)
        layout.addWidget(self.missing)
        self.reminders = hint("", self, name="Still to ask or do")
        self.reminders.setVisible(False)
        layout.addWidget(self.reminders)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.stages = QTabWidget(self.splitter)
        self.stages.setAccessibleName("Stages of the conversation")
        self.stages.setDocumentMode(True)
        self.side = QTabWidget(self.splitter)
        self.side.setAccessibleName("Last time and over time")
        self.previous_text = QTextBrowser(self.side)
        self.previous_text.setAccessibleName("The previous conversation")
        self.previous_text.setOpenLinks(False)
        self.previous_text.setTabChangesFocus(True)
        self.side.addTab(self.previous_text, "&Last time")
        self.trajectory = WellbeingTrajectory(self.side)
        self.side.addTab(
            _scrolled(self.trajectory, "Wellbeing over time", self.side), "&Wellbeing over time"
        )
        self.side.setVisible(False)
        layout.addWidget(self.splitter, 1)

        self.saved_label = hint("", self, name="Save result")
        self.print_plan = button(
            "Print support &plan…", name="Print the support plan", icon_name="print", parent=self
        )
        self.print_letter = button(
            "Print decision le&tter…",
            name="Print the decision letter",
            icon_name="print",
            parent=self,
        )
        self.save_button = button(
            "&Save",
            name="Save the conversation",
            description="Ctrl+S; your typing is also kept as a draft every few seconds",
            icon_name="save",
            parent=self,
        )
        self.complete_button = button(
            "Co&mplete the conversation",
            name="Complete the conversation",
            primary=True,
            parent=self,
        )
        bottom = QHBoxLayout()
        bottom.addWidget(self.saved_label, 1)
        for b in (self.print_plan, self.print_letter, self.save_button, self.complete_button):
            bottom.addWidget(b)
        layout.addLayout(bottom)

        self.print_plan.clicked.connect(lambda: controller.print_support_plan())
        self.print_letter.clicked.connect(lambda: controller.print_letter())
        self.save_button.clicked.connect(self.save_now)
        self.complete_button.clicked.connect(lambda: controller.complete(self.values()))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.go_back)

        controller.loaded.connect(self.show_conversation)
        controller.refreshed.connect(self.show_state)
        controller.values_ready.connect(self.show_values)
        controller.field_errors.connect(self.show_errors)
        controller.saved.connect(self._saved)
        controller.completed.connect(self._completed)
        controller.missing.connect(self._missing)
        controller.draft_kept.connect(self.saved_label.setText)
        controller.problem.connect(self.show_problem)
        controller.preview_ready.connect(self._preview)
        controller.printed.connect(self.saved_label.setText)
        controller.eligibility_changed.connect(self._eligibility)
        controller.watch_values(self.values)
        controller.ctx.hub.locked.connect(self.clear)
        controller.load()

    # --- building from the template ----------------------------------------------------

    def _build(self, view: ConversationView) -> None:
        template = view.template
        # The last build's stages go, not just their tabs: a removed tab's widgets would
        # stay alive, hidden, still holding what was typed and still wired to the draft.
        old_pages = [self.stages.widget(i) for i in range(self.stages.count())]
        self.stages.clear()
        for page in old_pages:
            page.deleteLater()
        self.fields, self.lists, self.stage_tabs = {}, {}, {}
        about = QWidget(self.stages)
        about_layout = QVBoxLayout(about)
        about_layout.addWidget(paragraph(template.introduction, about, name="Introduction"))
        form = form_layout()
        self.fields.update(
            build_fields(
                form,
                (
                    FieldSpec(
                        "mode",
                        "How it is held",
                        Kind.CHOICE,
                        choices=choices_of(type(view.conversation.mode)),
                    ),
                    FieldSpec(
                        CRISIS,
                        "The carer is in crisis, or their caring is breaking down: go "
                        "through urgent support (stage 2)",
                        Kind.TICK,
                    ),
                    FieldSpec(
                        STAGE1_ENOUGH,
                        "Listening and connecting (stage 1) is all the carer needs now",
                        Kind.TICK,
                    ),
                ),
                about,
            )
        )
        about_layout.addLayout(form)
        about_layout.addStretch(1)
        for stage in layout_for(template):
            content = QWidget(self.stages)
            content.setAccessibleName(stage.title)
            inner = QVBoxLayout(content)
            inner.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)
            inner.addWidget(subheading(f"Stage {stage.number}: {stage.title}", content))
            inner.addWidget(
                hint(f"{stage.purpose} {stage.when}", content, name=f"About stage {stage.number}")
            )
            for block in stage.blocks:
                inner.addWidget(self._block(block, view, content))
            inner.addStretch(1)
            content.setMaximumWidth(content.fontMetrics().averageCharWidth() * 120)
            index = self.stages.addTab(
                _scrolled(content, f"Stage {stage.number}: {stage.title}", self.stages),
                f"&{stage.number} {stage.title}",
            )
            self.stage_tabs[stage.number] = index
        self.stages.insertTab(0, _scrolled(about, "About this conversation", self.stages), "&About")
        self.stage_tabs = {n: i + 1 for n, i in self.stage_tabs.items()}
        for key, f in self.fields.items():
            f.watch(lambda key=key: self._edited(key))

    def _block(self, block: Block, view: ConversationView, parent: QWidget) -> QWidget:
        box = QGroupBox(parent)
        box.setAccessibleName(block.text if block.prompt_id else "Also recorded")
        layout = QVBoxLayout(box)
        question = QLabel(block.text, box)
        question.setWordWrap(True)
        question.setProperty("role", "subheading" if block.prompt_id else "hint")
        question.setAccessibleName(block.text)
        layout.addWidget(question)
        if block.hint:
            layout.addWidget(hint(f"For you: {block.hint}", box, name="Hint for staff"))
        specs: list[FieldSpec] = [block.answer] if block.answer else []
        form: QFormLayout | None = None

        def flush() -> None:
            nonlocal specs, form
            if specs:
                form = form_layout()
                self.fields.update(build_fields(form, specs, box))
                layout.addLayout(form)
                specs = []

        for part in block.parts:
            if part not in DRAWN_PARTS:
                specs.extend(PART_FIELDS[part])
                continue
            flush()
            layout.addWidget(self._drawn(part, view, box))
        flush()
        return box

    def _drawn(self, part: str, view: ConversationView, parent: QWidget) -> QWidget:
        template = view.template
        if part == "outcomes":
            holder = QWidget(parent)
            holder.setAccessibleName("The eight outcomes")
            v = QVBoxLayout(holder)
            v.setContentsMargins(0, 0, 0, 0)
            self.one_is_enough = banner(ONE_IS_ENOUGH, holder, name="One outcome is enough")
            v.addWidget(self.one_is_enough)
            for choice, specs in zip(
                template.outcomes, outcome_specs(template).values(), strict=True
            ):
                title = f"({choice.letter}) {choice.label}"
                group = QGroupBox(title, holder)
                group.setAccessibleName(title)
                form = form_layout()
                made = build_fields(form, specs, group)
                for f in made.values():
                    f.widget.setAccessibleName(f"{title}: {f.spec.label}")
                self.fields.update(made)
                QVBoxLayout(group).addLayout(form)
                v.addWidget(group)
            return holder
        if part == "wellbeing":
            group = QGroupBox("Wellbeing check", parent)
            group.setAccessibleName("Wellbeing check")
            v = QVBoxLayout(group)
            v.addWidget(hint(template.wellbeing_introduction, group, name="About the check"))
            form = form_layout()
            self.fields.update(build_fields(form, wellbeing_specs(template), group))
            v.addLayout(form)
            return group
        if part == "eligibility":
            group = QGroupBox("Eligibility decision and its reasons", parent)
            group.setAccessibleName("Eligibility decision")
            v = QVBoxLayout(group)
            self.decision = paragraph("", group, name="Eligibility decision and its reasons")
            self.decision.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByKeyboard
                | Qt.TextInteractionFlag.TextSelectableByMouse
            )
            v.addWidget(self.decision)
            return group
        spec = goal_list() if part == GOALS else action_list(template)
        editor = ListEditor(spec, lambda key=part: self._edited(key), parent)
        self.lists[part] = editor
        return editor

    # --- showing -----------------------------------------------------------------------

    def show_conversation(self, view: ConversationView) -> None:
        c = view.conversation
        kind = "Review" if c.is_review else "Guided conversation"
        self.title.setText(f"{kind} with {view.carer_name}")
        self.title.setAccessibleName(self.title.text())
        self._build(view)
        editable = self.controller.editable
        for f in self.fields.values():
            f.set_read_only(not editable)
        self.save_button.setVisible(editable)
        self.complete_button.setVisible(editable)
        self.show_state(view)
        started = (
            f"Started {c.started_on:%-d %B %Y} with {view.template.title} v{c.template_version}"
        )
        if not editable:
            done = f", completed {c.completed_on:%-d %B %Y}" if c.completed_on else ""
            self.saved_label.setText(f"{started}{done}. Kept as it was agreed; read only.")
        else:
            self.saved_label.setText(f"{started}.")
        self._show_side(view)
        if c.determination is not None and hasattr(self, "decision"):
            d = c.determination
            self.decision.setText(
                "\n".join(
                    [
                        f"Decided {d.determined_on:%-d %B %Y}: {d.summary}",
                        *(f"• {r}" for r in d.reasons),
                        d.route_wording,
                    ]
                )
            )

    def show_state(self, view: ConversationView) -> None:
        """What moves without the form changing: the sync state and what is still to do."""
        state = SyncState(view.sync_state)
        self.state_icon.setPixmap(icon(state_icon_name(state)).pixmap(self.fontMetrics().height()))
        self.state.setText(state_word(state))
        self.reminders.setText("\n".join(f"• {r}" for r in view.reminders))
        self.reminders.setVisible(bool(view.reminders))

    def _show_side(self, view: ConversationView) -> None:
        # Beside a review only: a first conversation has the whole width for the form.
        previous = view.previous if view.conversation.is_review else None
        has_side = view.conversation.is_review and (previous is not None or bool(view.trajectory))
        self.side.setVisible(has_side)
        self.side.setTabVisible(0, previous is not None)
        if previous is not None and view.previous_template is not None:
            parts = []
            for heading_, lines in summary_sections(previous, view.previous_template):
                parts.append(f"<h3>{html.escape(heading_)}</h3>")
                parts.extend(f"<p>{html.escape(line)}</p>" for line in lines)
            self.previous_text.setHtml("".join(parts))
        self.trajectory.show_points(view.trajectory, view.template)
        if has_side:
            width = self.fontMetrics().averageCharWidth()
            self.splitter.setSizes([width * 90, width * 70])

    def show_values(self, values: dict[str, Any], from_draft: bool) -> None:
        self._filling = True
        try:
            for key, f in self.fields.items():
                f.set_value(values.get(key))
            for key, editor in self.lists.items():
                editor.set_value(values.get(key) or [])
                editor.set_read_only(not self.controller.editable)
        finally:
            self._filling = False
        self._crisis_shown(bool(values.get(CRISIS)))
        if from_draft:
            self.notice.setText(
                "Your unsaved typing was kept while Carer Desk was locked or closed: it is "
                "shown again. Save it, or go on."
            )
            self.notice.setVisible(True)

    def _crisis_shown(self, crisis: bool) -> None:
        index = self.stage_tabs.get(2)
        if index is not None:
            self.stages.setTabVisible(index, crisis)

    def _eligibility(self, result: EligibilityResult | None) -> None:
        if not hasattr(self, "decision") or not self.controller.editable:
            return
        if result is None:
            self.decision.setText("Nothing recorded in stage 3 yet.")
            return
        head = (
            "As recorded so far, the carer has eligible needs."
            if result.eligible
            else "As recorded so far, the carer does not have eligible needs."
            if result.final
            else "Not decided yet."
        )
        self.decision.setText("\n".join([head, *(f"• {r}" for r in result.reasons)]))

    def show_errors(self, problems: dict[str, str]) -> None:
        first = show_problems(self.fields, problems)
        for editor in self.lists.values():
            editor.set_errors(problems)
        if first is not None:
            self._reveal(first)
            first.setFocus()

    def _reveal(self, widget: QWidget) -> None:
        for i in range(self.stages.count()):
            page = self.stages.widget(i)
            if page.isAncestorOf(widget):
                self.stages.setCurrentIndex(i)
                if isinstance(page, QScrollArea):
                    page.ensureWidgetVisible(widget)
                return

    def show_problem(self, message: UserMessage) -> None:
        self.notice.setText(message.text)
        self.notice.setVisible(True)

    def _missing(self, sentence: str) -> None:
        self.missing.setText(sentence)
        self.missing.setVisible(True)
        self.missing.setFocus()

    def _saved(self, saved: GuidedConversation, sentence: str) -> None:
        self.saved_label.setText(sentence)
        self.notice.setVisible(False)
        if saved.stage3 is not None:  # new goals and actions keep the ids given them
            for key, items in ((GOALS, saved.stage3.goals), (ACTIONS, saved.stage3.actions)):
                editor = self.lists.get(key)
                if editor is not None:
                    for box, item in zip(editor.items, items, strict=False):
                        box.item_id = item.id

    def _completed(self, done: GuidedConversation) -> None:
        self.missing.setVisible(False)
        self.notice.setText(
            "Completed. The decision and its reasons are kept with it; print the support "
            "plan for the carer. It is sent to the office at the next sync."
        )
        self.notice.setVisible(True)

    def _preview(self, rendered: Rendered) -> None:
        dialog = preview_dialog(rendered, lambda: self.controller.record_printed(rendered), self)
        self.preview = dialog
        dialog.open()

    # --- doing -------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {key: f.value() for key, f in self.fields.items()}
        for key, editor in self.lists.items():
            values[key] = editor.value()
        return values

    def _edited(self, key: str) -> None:
        if self._filling:
            return
        self.controller.edited()
        if key == CRISIS:
            self._crisis_shown(bool(self.fields[CRISIS].value()))
        if (key.startswith("outcome.") and not key.endswith(".notes")) or key in DECIDING:
            values = self.values()
            implied = settled_outcome(key, values)
            for other, value in implied.items():  # set quietly: not a second edit
                self.fields[other].set_value(value)
            self.controller.values_changed({**values, **implied})

    def save_now(self) -> None:
        self.controller.save(self.values())

    def hideEvent(self, event) -> None:
        # Leaving the page by any way (the navigation list too): seal the typing now.
        self.controller.save_draft_now()
        super().hideEvent(event)

    def go_back(self) -> None:
        self.controller.save_draft_now()
        self._back()

    def clear(self) -> None:
        """Lock means locked: no answer stays in a widget."""
        for f in self.fields.values():
            f.clear()
        self.previous_text.clear()
        self.trajectory.clear()
