"""Marks in a list drawn as icons in the text colour (ticked, not ticked), with the same
contrast in the light and the dark palette and on a selected row; a click on the mark
toggles it. The model's check state is kept, so a screen reader still says "checked"."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QEvent, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ui.icons import item_icon

Index = QModelIndex | QPersistentModelIndex
CHECK = Qt.ItemDataRole.CheckStateRole


def _checked(index: Index) -> bool | None:
    state = index.data(CHECK)
    if state is None:
        return None
    return Qt.CheckState(state) == Qt.CheckState.Checked


class CheckIconDelegate(QStyledItemDelegate):
    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        super().initStyleOption(option, index)
        checked = _checked(index)
        if checked is None:
            return
        features = QStyleOptionViewItem.ViewItemFeature
        option.features &= ~features.HasCheckIndicator
        option.features |= features.HasDecoration
        option.icon = item_icon("checked" if checked else "unchecked")
        side = option.fontMetrics.height()
        option.decorationSize = QSize(side, side)

    def editorEvent(
        self,
        event: QEvent,
        model: QAbstractItemModel,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        checked = _checked(index)
        if checked is None or not isinstance(event, QMouseEvent):
            return super().editorEvent(event, model, option, index)
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        mark = style.subElementRect(QStyle.SubElement.SE_ItemViewItemDecoration, opt, opt.widget)
        if not mark.contains(event.position().toPoint()):
            return False
        if event.type() == QEvent.Type.MouseButtonRelease:
            model.setData(
                index, Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked, CHECK
            )
        return True  # the press and the double click on the mark are the toggle's too
