"""The media bin: import by dialog or by dropping files and folders; each file is probed in the background and
shown with its thumbnail, duration, size and rate, or with the reason it cannot be used. Items drag onto the
timeline. A bad file never stops the others. A source that is slow to preview (long-GOP, above 1080p) gets a
proxy made in the background, its progress shown on the item."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Optional

from PySide6 import QtCore, QtGui, QtWidgets

from seine_editor.widgets.resources import icon
from seine_editor.media.info import MediaInfo
from seine_editor.widgets.media_tasks import MediaTasks, describe
from seine_editor.widgets.proxy_tasks import ProxyTasks
from seine_editor.widgets.timeline_drops import MEDIA_MIME, dropped_paths

PATH_ROLE = QtCore.Qt.UserRole
INFO_ROLE = QtCore.Qt.UserRole + 1
ERROR_ROLE = QtCore.Qt.UserRole + 2
PROXY_ROLE = QtCore.Qt.UserRole + 3  # "" (none needed), "queued", "42%", "ready", "failed: reason"
BADGE_ROLE = QtCore.Qt.UserRole + 4  # "HDR" on the thumbnail of HDR footage
THUMB_HEIGHT = 54
MEDIA_SUFFIXES = {".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mxf", ".mts", ".m2ts", ".mpg", ".mpeg",
                  ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".exr", ".dpx",
                  ".wav", ".mp3", ".aac", ".m4a", ".flac", ".ogg", ".opus", ".aif", ".aiff"}
FILE_FILTER = ("Media (" + " ".join(f"*{s}" for s in sorted(MEDIA_SUFFIXES)) + ");;All files (*)")


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Files as given; folders walked (sorted, hidden entries skipped) for files with a media suffix."""
    found: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [str(Path(root) / f) for f in sorted(files)
                          if not f.startswith(".") and Path(f).suffix.lower() in MEDIA_SUFFIXES]
        else:
            found.append(str(path))
    return found


class MediaList(QtWidgets.QListWidget):
    """The list itself: drags out our media mime (and file URLs for other applications)."""

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.setSelectionMode(QtWidgets.QAbstractItemView.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QtWidgets.QAbstractItemView.DragOnly)
        self.setIconSize(QtCore.QSize(THUMB_HEIGHT * 16 // 9, THUMB_HEIGHT))
        self.setUniformItemSizes(True)
        self.setSpacing(2)
        self.setWordWrap(False)
        self.setTextElideMode(QtCore.Qt.ElideMiddle)  # names fit the panel; the tooltip has the whole path
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
        self._pressed: Optional[QtWidgets.QListWidgetItem] = None

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        self._pressed = self.itemAt(event.position().toPoint())
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        """A drag that starts on an item that cannot be used (still probing, or refused) does nothing: it neither
        drags nor sweeps a selection over its neighbours."""
        if event.buttons() and self._pressed is not None and not self._pressed.flags() & QtCore.Qt.ItemIsDragEnabled:
            return
        super().mouseMoveEvent(event)

    def mimeData(self, items) -> QtCore.QMimeData:
        paths = [i.data(PATH_ROLE) for i in items if i.data(INFO_ROLE) is not None]
        mime = QtCore.QMimeData()
        mime.setData(MEDIA_MIME, "\n".join(paths).encode())
        mime.setUrls([QtCore.QUrl.fromLocalFile(p) for p in paths])
        return mime

    def mimeTypes(self) -> list[str]:
        return [MEDIA_MIME, "text/uri-list"]


class MediaBinPanel(QtWidgets.QWidget):
    """Imported media. `media_ready(info)` fires per usable file; `media_failed(path, reason)` per bad one."""

    media_ready = QtCore.Signal(object)
    media_failed = QtCore.Signal(str, str)
    add_to_timeline_requested = QtCore.Signal(list)  # paths, at the playhead
    animate_requested = QtCore.Signal(str)  # a still's path: placed at the playhead and animated
    source_requested = QtCore.Signal(str)  # a usable item's path: shown in the source viewer

    def __init__(self, tasks: MediaTasks, proxies: Optional[ProxyTasks] = None,
                 parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.tasks = tasks
        self.proxies = proxies
        self.proxies_enabled = proxies is not None
        self.setAcceptDrops(True)
        self._items: dict[str, QtWidgets.QListWidgetItem] = {}
        self.list = MediaList(self)
        self.list.itemDoubleClicked.connect(
            lambda item: item.data(INFO_ROLE) is not None and self.source_requested.emit(item.data(PATH_ROLE)))
        self.list.setContextMenuPolicy(QtCore.Qt.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._show_context_menu)
        self.hint = QtWidgets.QLabel("Drop video, audio, images or folders here", objectName="hint",
                                     alignment=QtCore.Qt.AlignCenter)
        import_button = QtWidgets.QToolButton(self, icon=icon("import"), text="Import…",
                                              toolButtonStyle=QtCore.Qt.ToolButtonTextBesideIcon, autoRaise=True)
        import_button.clicked.connect(self.import_with_dialog)
        self.count_label = QtWidgets.QLabel(objectName="hint")
        top = QtWidgets.QHBoxLayout()
        top.setContentsMargins(4, 4, 4, 0)
        top.addWidget(import_button)
        top.addStretch(1)
        top.addWidget(self.count_label)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.hint)
        tasks.probed.connect(self._on_tasks_probed)
        tasks.probe_failed.connect(self._on_tasks_probe_failed)
        tasks.updated.connect(self._on_tasks_updated)
        if proxies is not None:
            proxies.progress.connect(lambda path, f: self._set_proxy_state(path, f"{int(f * 100)}%"))
            proxies.finished.connect(lambda path, _proxy: self._set_proxy_state(path, "ready"))
            proxies.failed.connect(lambda path, reason: self._set_proxy_state(path, f"failed: {reason}"))

    # importing --------------------------------------------------------------------------------------------
    def import_with_dialog(self) -> None:
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(self, "Import media", "", FILE_FILTER)
        self.import_paths(paths)

    def import_paths(self, paths: Iterable[str]) -> list[str]:
        """Add files (folders expanded); returns the paths newly queued for probing (duplicates skipped)."""
        queued = []
        for path in expand_paths(paths):
            path = str(Path(path).resolve())
            if path in self._items:
                continue
            item = QtWidgets.QListWidgetItem(icon("film"), f"{Path(path).name}\nprobing…")
            item.setData(PATH_ROLE, path)
            item.setToolTip(path)
            item.setFlags(QtCore.Qt.ItemIsEnabled | QtCore.Qt.ItemIsSelectable)
            self.list.addItem(item)
            self._items[path] = item
            self.tasks.probe(path)
            queued.append(path)
        self._refresh_count()
        return queued

    def clear(self) -> None:
        """Forget every item (another project is open: its bin starts from its own media)."""
        self.list.clear()
        self._items.clear()
        self._refresh_count()

    def paths(self) -> list[str]:
        return list(self._items)

    def info(self, path: str) -> Optional[MediaInfo]:
        item = self._items.get(str(Path(path).resolve()))
        return item.data(INFO_ROLE) if item is not None else None

    def error(self, path: str) -> Optional[str]:
        item = self._items.get(str(Path(path).resolve()))
        return item.data(ERROR_ROLE) if item is not None else None

    def selected_paths(self) -> list[str]:
        return [i.data(PATH_ROLE) for i in self.list.selectedItems() if i.data(INFO_ROLE) is not None]

    def context_menu(self, paths: list[str]) -> QtWidgets.QMenu:
        """What can be done with the usable items ``paths``: add them at the playhead; animate a still."""
        menu = QtWidgets.QMenu(self)
        if len(paths) == 1:
            menu.addAction(icon("play"), "Show in source viewer", lambda: self.source_requested.emit(paths[0]))
        if paths:
            menu.addAction(icon("import"), "Add to timeline at playhead",
                           lambda: self.add_to_timeline_requested.emit(list(paths)))
        if len(paths) == 1 and self.info(paths[0]).kind == "image":
            menu.addAction(icon("generate"), "Animate image…", lambda: self.animate_requested.emit(paths[0]))
        return menu

    def _show_context_menu(self, pos: QtCore.QPoint) -> None:
        menu = self.context_menu(self.selected_paths())
        if not menu.isEmpty():
            menu.popup(self.list.viewport().mapToGlobal(pos))

    # drops ------------------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and event.source() is not self.list:
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QtGui.QDragMoveEvent) -> None:
        if event.mimeData().hasUrls() and event.source() is not self.list:
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        paths = dropped_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    # results ----------------------------------------------------------------------------------------------
    def _on_tasks_probed(self, path: str, info: MediaInfo) -> None:
        item = self._items.get(path)
        if item is None:
            return
        item.setData(INFO_ROLE, info)
        item.setText(f"{Path(path).name}\n{describe(info)}")
        self._request_proxy(info)
        item.setFlags(item.flags() | QtCore.Qt.ItemIsDragEnabled)
        item.setIcon(icon("audio" if info.kind == "audio" else "image" if info.kind == "image" else "film"))
        if info.kind != "audio":
            self._set_thumbnail(path)
        self._refresh_count()
        self.media_ready.emit(info)

    def _on_tasks_probe_failed(self, path: str, reason: str) -> None:
        item = self._items.get(path)
        if item is None:
            return
        item.setData(ERROR_ROLE, reason)
        item.setIcon(icon("warning"))
        item.setText(f"{Path(path).name}\n{reason}")
        item.setForeground(QtGui.QColor("#ff8a8a"))
        item.setToolTip(f"{path}\ncannot be used: {reason}")
        self._refresh_count()
        self.media_failed.emit(path, reason)

    def proxy_state(self, path: str) -> str:
        item = self._items.get(str(Path(path).resolve()))
        return (item.data(PROXY_ROLE) or "") if item is not None else ""

    def _request_proxy(self, info: MediaInfo) -> None:
        from seine_editor.media.proxy import needs_proxy

        cache_dir = self.tasks.cache_dir
        if not self.proxies_enabled or cache_dir is None or not needs_proxy(info):
            return
        if self.proxies.request(info, cache_dir):
            self._set_proxy_state(info.path, "queued")

    def _set_proxy_state(self, path: str, state: str) -> None:
        item = self._items.get(path)
        if item is None or item.data(INFO_ROLE) is None:
            return
        item.setData(PROXY_ROLE, state)
        label = {"ready": "proxy ready", "queued": "proxy queued"}.get(state, f"proxy {state}")
        item.setText(f"{Path(path).name}\n{describe(item.data(INFO_ROLE))}\n{label}")
        item.setToolTip(f"{path}\npreview {label}")

    def _on_tasks_updated(self, path: str) -> None:
        if path in self._items and self._items[path].data(INFO_ROLE) is not None:
            self._set_thumbnail(path)

    def _set_thumbnail(self, path: str) -> None:
        info: MediaInfo = self._items[path].data(INFO_ROLE)
        middle = max(0, info.frame_count // 3)
        image = self.tasks.thumbnail(path, middle, THUMB_HEIGHT)
        if image is not None:
            pixmap = QtGui.QPixmap.fromImage(image)
            if info.hdr:
                pixmap = with_badge(pixmap, "HDR")
            self._items[path].setIcon(QtGui.QIcon(pixmap))
            self._items[path].setData(BADGE_ROLE, "HDR" if info.hdr else None)

    def _refresh_count(self) -> None:
        usable = sum(1 for i in self._items.values() if i.data(INFO_ROLE) is not None)
        bad = sum(1 for i in self._items.values() if i.data(ERROR_ROLE) is not None)
        self.count_label.setText(f"{usable} items" + (f" · {bad} unusable" if bad else ""))
        self.hint.setVisible(not self._items)


def with_badge(pixmap: QtGui.QPixmap, text: str) -> QtGui.QPixmap:
    """``pixmap`` with ``text`` in a small label in its top right corner (HDR footage, tone-mapped for the SDR
    timeline)."""
    badged = QtGui.QPixmap(pixmap)
    painter = QtGui.QPainter(badged)
    painter.setRenderHint(QtGui.QPainter.Antialiasing)
    font = painter.font()
    font.setPixelSize(max(8, pixmap.height() // 5))
    font.setBold(True)
    painter.setFont(font)
    box = painter.fontMetrics().boundingRect(text).adjusted(-3, -1, 3, 1)
    box.moveTopRight(QtCore.QPoint(pixmap.width() - 3, 3))
    painter.setPen(QtCore.Qt.NoPen)
    painter.setBrush(QtGui.QColor(245, 190, 40))
    painter.drawRoundedRect(box, 3, 3)
    painter.setPen(QtGui.QColor(20, 20, 20))
    painter.drawText(box, QtCore.Qt.AlignCenter, text)
    painter.end()
    return badged
