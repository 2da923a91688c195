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
    QApplication,
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
    StageLayout,
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
from ui.views.widgets import (
    banner,
    button,
    first_control,
    focus_follows_tab,
    follow_focus,
    follow_in_tab_order,
    form_layout,
    heading,
    hint,
    paragraph,
    subheading,
)

# Choices that change the decision shown while the conversation goes on.
DECIDING = ("impact", "health_at_risk")


class _BuiltOnNeed(dict):
    """The page's fields (or lists) by key: a key of a stage not built yet builds that
    stage first, so code that needs one field (a problem to show, a test's typing) finds
    it, while opening the page builds only the tab shown."""

    def __init__(self, build_for: Callable[[str], bool]) -> None:
        super().__init__()
        self._build_for = build_for

    def __missing__(self, key: str) -> Any:
        if self._build_for(key) and dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        raise KeyError(key)


def _stage_keys(stage: StageLayout, template: Any) -> set[str]:
    """Every value key a stage's widgets hold (Qt-free, from the layout alone)."""
    keys: set[str] = set()
    for block in stage.blocks:
        if block.answer is not None:
            keys.add(block.answer.key)
        for part in block.parts:
            if part == "outcomes":
                keys.update(s.key for specs in outcome_specs(template).values() for s in specs)
            elif part == "wellbeing":
                keys.update(s.key for s in wellbeing_specs(template))
            elif part in DRAWN_PARTS:
                keys.add(part)
            else:
                keys.update(s.key for s in PART_FIELDS[part])
    return keys


def _scrolled(content: QWidget, name: str, parent: QWidget) -> QScrollArea:
    scroll = follow_focus(QScrollArea(parent))
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
        self.fields: dict[str, FieldWidget] = _BuiltOnNeed(self._build_stage_of)
        self.lists: dict[str, ListEditor] = _BuiltOnNeed(self._build_stage_of)
        self.stage_tabs: dict[int, int] = {}
        # Stages not built yet (by tab index), which keys each holds, the values last
        # shown or typed (read for a stage not built, given to it when it is), and the
        # decision's sentence (its label is built with stage 3).
        self._unbuilt: dict[int, tuple[StageLayout, ConversationView]] = {}
        self._stage_of_key: dict[str, int] = {}
        self._values: dict[str, Any] = {}
        self._decision_text = ""
        self._trajectory_due: ConversationView | None = None
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
        self.side.currentChanged.connect(lambda _i: self._draw_trajectory())
        self.stages.currentChanged.connect(self._build_stage)
        focus_follows_tab(self.stages)
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
        """The About tab, and a tab per stage: a stage's widgets are built when its tab is
        first shown (or one of its fields is needed), not all at once on opening."""
        template = view.template
        # The last build's stages go, not just their tabs: a removed tab's widgets would
        # stay alive, hidden, still holding what was typed and still wired to the draft.
        self.stages.blockSignals(True)
        while self.stages.count():  # a reload (a pull brought a newer copy) builds anew
            old = self.stages.widget(0)
            self.stages.removeTab(0)
            old.deleteLater()
        self.stages.blockSignals(False)
        for built_with_stage in ("decision", "one_is_enough"):
            self.__dict__.pop(built_with_stage, None)
        self.fields.clear()
        self.lists.clear()
        self.stage_tabs, self._unbuilt, self._stage_of_key = {}, {}, {}
        about = QWidget(self.stages)
        about_layout = QVBoxLayout(about)
        about_layout.addWidget(paragraph(template.introduction, about, name="Introduction"))
        form = form_layout()
        made = build_fields(
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
        about_layout.addLayout(form)
        about_layout.addStretch(1)
        self.stages.blockSignals(True)
        self.stages.addTab(_scrolled(about, "About this conversation", self.stages), "&About")
        follow_in_tab_order(self.stages, about)
        for stage in layout_for(template):
            name = f"Stage {stage.number}: {stage.title}"
            scroll = follow_focus(QScrollArea(self.stages))
            scroll.setWidgetResizable(True)
            scroll.setAccessibleName(name)
            index = self.stages.addTab(scroll, f"&{stage.number} {stage.title}")
            self.stage_tabs[stage.number] = index
            self._unbuilt[index] = (stage, view)
            for key in _stage_keys(stage, template):
                self._stage_of_key[key] = index
        self.stages.blockSignals(False)
        self._adopt(made)
        # It opens on the first stage (the prompts the worker starts with), built now.
        self.stages.setCurrentIndex(1 if self.stages.count() > 1 else 0)
        self._build_stage(self.stages.currentIndex())

    def _build_stage_of(self, key: str) -> bool:
        index = self._stage_of_key.get(key)
        return index is not None and self._build_stage(index)

    def _build_stage(self, index: int) -> bool:
        """Build the stage on tab ``index`` if it is not built yet; True if it was built now."""
        waiting = self._unbuilt.pop(index, None)
        if waiting is None:
            return False
        stage, view = waiting
        scroll = self.stages.widget(index)
        content = QWidget(scroll)
        content.setAccessibleName(stage.title)
        inner = QVBoxLayout(content)
        inner.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)
        inner.addWidget(subheading(f"Stage {stage.number}: {stage.title}", content))
        inner.addWidget(
            hint(f"{stage.purpose} {stage.when}", content, name=f"About stage {stage.number}")
        )
        before_fields, before_lists = set(self.fields), set(self.lists)
        made: dict[str, FieldWidget] = {}
        self._made = made
        for block in stage.blocks:
            inner.addWidget(self._block(block, view, content))
        inner.addStretch(1)
        content.setMaximumWidth(content.fontMetrics().averageCharWidth() * 120)
        assert isinstance(scroll, QScrollArea)
        scroll.setWidget(content)
        follow_in_tab_order(self.stages, content)
        new_lists = {k: v for k, v in self.lists.items() if k not in before_lists}
        self._adopt({k: v for k, v in made.items() if k not in before_fields}, new_lists)
        if hasattr(self, "decision"):
            self.decision.setText(self._decision_text)
        return True

    def _adopt(
        self, made: dict[str, FieldWidget], lists: dict[str, ListEditor] | None = None
    ) -> None:
        """Newly built fields and lists join the page: given the values known so far, read
        only when the conversation is, and watched for typing."""
        editable = self.controller.editable
        self._filling = True
        try:
            for key, f in made.items():
                dict.__setitem__(self.fields, key, f)
                f.set_value(self._values.get(key))
                f.set_read_only(not editable)
            for key, editor in (lists or {}).items():
                editor.set_value(self._values.get(key) or [])
                editor.set_read_only(not editable)
        finally:
            self._filling = False
        for key, f in made.items():
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
                self._made.update(build_fields(form, specs, box))
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
                self._made.update(made)
                QVBoxLayout(group).addLayout(form)
                v.addWidget(group)
            return holder
        if part == "wellbeing":
            group = QGroupBox("Wellbeing check", parent)
            group.setAccessibleName("Wellbeing check")
            v = QVBoxLayout(group)
            v.addWidget(hint(template.wellbeing_introduction, group, name="About the check"))
            form = form_layout()
            self._made.update(build_fields(form, wellbeing_specs(template), group))
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
        dict.__setitem__(self.lists, part, editor)
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
        self._focus_opening(editable)
        if c.determination is not None:
            d = c.determination
            self._set_decision(
                "\n".join(
                    [
                        f"Decided {d.determined_on:%-d %B %Y}: {d.summary}",
                        *(f"• {r}" for r in d.reasons),
                        d.route_wording,
                    ]
                )
            )

    def _focus_opening(self, editable: bool) -> None:
        """Opening (or resuming) puts the cursor in the open stage's first answer, ready to
        type; a read-only conversation opens on its stages' tabs, to move between them."""
        focused = QApplication.focusWidget()
        if focused is not None and self.stages.isAncestorOf(focused):
            return  # already typing in the conversation
        page = self.stages.currentWidget()
        target: QWidget = self.stages.tabBar()
        if editable and page is not None:
            target = first_control(page) or target
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_state(self, view: ConversationView) -> None:
        """What moves without the form changing: the sync state and what is still to do."""
        state = SyncState(view.sync_state)
        self.state_icon.setPixmap(icon(state_icon_name(state)).pixmap(self.fontMetrics().height()))
        self.state.setText(state_word(state))
        self.reminders.setText("\n".join(f"• {r}" for r in view.reminders))
        self.reminders.setVisible(bool(view.reminders))

    def _set_decision(self, text: str) -> None:
        # The label is built with stage 3: the sentence waits for it until then.
        self._decision_text = text
        if hasattr(self, "decision"):
            self.decision.setText(text)

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
        # The charts are drawn when their tab is first shown, not on opening.
        self.trajectory.clear()
        self._trajectory_due = view
        if self.side.currentIndex() == 1 or not self.side.isTabVisible(0):
            self.side.setCurrentIndex(1)
            self._draw_trajectory()
        if has_side:
            width = self.fontMetrics().averageCharWidth()
            self.splitter.setSizes([width * 90, width * 70])

    def _draw_trajectory(self) -> None:
        view = self._trajectory_due
        if view is None or self.side.currentIndex() != 1:
            return
        self._trajectory_due = None
        self.trajectory.show_points(view.trajectory, view.template)

    def show_values(self, values: dict[str, Any], from_draft: bool) -> None:
        self._values = dict(values)
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
        if not self.controller.editable:
            return
        if result is None:
            self._set_decision("Nothing recorded in stage 3 yet.")
            return
        head = (
            "As recorded so far, the carer has eligible needs."
            if result.eligible
            else "As recorded so far, the carer does not have eligible needs."
            if result.final
            else "Not decided yet."
        )
        self._set_decision("\n".join([head, *(f"• {r}" for r in result.reasons)]))

    def show_errors(self, problems: dict[str, str]) -> None:
        for key in problems:  # a problem is shown under its field: build its stage
            self._build_stage_of(key)
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
        """What is typed: the built stages' widgets, and for a stage never opened the
        values it was given (the record's, or the draft's)."""
        values: dict[str, Any] = dict(self._values)
        values.update({key: f.value() for key, f in self.fields.items()})
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
        self._values, self._decision_text, self._trajectory_due = {}, "", None
        self._unbuilt.clear()
        self.previous_text.clear()
        self.trajectory.clear()
