"""Background operations: nothing that touches the vault, crypto, a PDF or the network
ever runs on the GUI thread (Anki's ``CollectionOp`` / ``QueryOp``).

Two lanes:

* **vault** — ONE worker thread for everything that touches the vault or the session's
  services. The vault serialises its own access, and the services' caches are not
  thread-safe, so one thread keeps the order of operations the order they were asked.
* **network** — a small pool for calls to the server (sync, enrolment, conflicts), so a
  slow connection never holds up opening a carer.

An operation's callbacks run on the GUI thread. An edit (:class:`CoreOp`) ends by
broadcasting what it changed on the hub, so every screen can decide whether to redraw;
a read (:class:`QueryOp`) hands its result to its own screen only. When work takes longer
than :data:`BUSY_AFTER_MS`, the hub says so (a progress indicator, never a frozen window).
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QTimer, Signal

from carer_desk.errors import CarerDeskError, VaultLocked
from ui.events import EventHub, UserMessage

if TYPE_CHECKING:  # the session imports every service: not needed for the first screen
    from carer_desk.session import DeskSession

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_AFTER_MS = 300
UNEXPECTED = (
    "Something went wrong and the last step was not finished. Nothing you saved is lost; "
    "try again, and if it happens again send the details below to your IT officer."
)


class Lane(Enum):
    VAULT = "vault"
    NETWORK = "network"


def describe_failure(exc: BaseException) -> UserMessage:
    """The person's sentence for an error, with the log line as details.

    Messages of unexpected errors are left out of the details: they can carry record
    contents. Our own errors are written for people and name no record's values."""
    if isinstance(exc, CarerDeskError):
        return UserMessage(str(exc), details=type(exc).__name__)
    where = "".join(traceback.format_tb(exc.__traceback__)[-3:])
    return UserMessage(UNEXPECTED, details=f"{type(exc).__name__} at\n{where}")


def while_alive(owner: QObject, callback: Callable[[T], None]) -> Callable[[T], None]:
    """``callback``, skipped when ``owner`` has been deleted meanwhile (its tab or page
    went while the vault or the office was answering)."""

    def call(value: T) -> None:
        if shiboken6.isValid(owner):
            callback(value)

    return call


class _Courier(QObject):
    """Carries a finished operation's callback from a worker thread to the GUI thread."""

    deliver = Signal(object)


class OpRunner(QObject):
    """Owns the vault thread and the network pool."""

    def __init__(self, hub: EventHub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self._lanes = {
            Lane.VAULT: ThreadPoolExecutor(1, thread_name_prefix="carer-desk-vault"),
            Lane.NETWORK: ThreadPoolExecutor(2, thread_name_prefix="carer-desk-network"),
        }
        self._courier = _Courier()
        self._courier.deliver.connect(self._run_on_gui)
        self._pending = 0
        self._busy_labels: list[str] = []
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.timeout.connect(self._show_busy)
        self._closed = False
        self.gui_thread = threading.get_ident()

    @property
    def pending(self) -> int:
        """Operations submitted and not yet finished (callbacks included)."""
        return self._pending

    def on_gui_thread(self) -> bool:
        return threading.get_ident() == self.gui_thread

    def submit(
        self,
        lane: Lane,
        work: Callable[[], T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None],
        *,
        busy: str | None = None,
    ) -> Future[T] | None:
        if self._closed:
            return None
        self._pending += 1
        if busy:
            self._busy_labels.append(busy)
            if not self._busy_timer.isActive():
                self._busy_timer.start(BUSY_AFTER_MS)

        def finished(future: Future[T]) -> None:
            # On the worker thread: hand the outcome to the GUI thread.
            self._courier.deliver.emit(lambda: self._settle(future, on_success, on_failure, busy))

        future = self._lanes[lane].submit(work)
        future.add_done_callback(finished)
        return future

    def _run_on_gui(self, callback: Callable[[], None]) -> None:
        callback()

    def _settle(
        self,
        future: Future[T],
        on_success: Callable[[T], None],
        on_failure: Callable[[BaseException], None],
        busy: str | None,
    ) -> None:
        try:
            if future.cancelled():  # the window is closing: nobody waits for the answer
                return
            exc = future.exception()
            if exc is None:
                on_success(future.result())
            else:
                on_failure(exc)
        except Exception as callback_error:  # a screen's callback failed: say so, calmly
            log.error("callback failed: %s", describe_failure(callback_error).details)
            self.hub.problem.emit(describe_failure(callback_error))
        finally:
            self._pending -= 1
            if busy and busy in self._busy_labels:
                self._busy_labels.remove(busy)
            self._update_busy()

    def _show_busy(self) -> None:
        self._update_busy()

    def _update_busy(self) -> None:
        if self._busy_labels and not self._busy_timer.isActive():
            self.hub.busy_changed.emit(self._busy_labels[-1])
        elif not self._busy_labels:
            self._busy_timer.stop()
            self.hub.busy_changed.emit("")

    def shutdown(self, wait: bool = True) -> None:
        self._closed = True
        for pool in self._lanes.values():
            pool.shutdown(wait=wait, cancel_futures=True)


def default_failure(hub: EventHub) -> Callable[[BaseException], None]:
    def report(exc: BaseException) -> None:
        if isinstance(exc, VaultLocked):
            return  # asked before a lock and answered after it: nothing to show
        message = describe_failure(exc)
        if not isinstance(exc, CarerDeskError):
            log.error("operation failed: %s", message.details)
        hub.problem.emit(message)

    return report


class _Op(Generic[T]):
    lane = Lane.VAULT

    def __init__(self, runner: OpRunner) -> None:
        self._runner = runner
        self._on_success: Callable[[T], None] = lambda _result: None
        self._on_failure: Callable[[BaseException], None] = default_failure(runner.hub)
        self._busy: str | None = None

    def success(self, callback: Callable[[T], None]) -> _Op[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> _Op[T]:
        self._on_failure = callback
        return self

    def busy(self, label: str) -> _Op[T]:
        """Show ``label`` with a progress indicator if the work takes more than a moment."""
        self._busy = label
        return self

    def _work(self) -> Callable[[], Any]:
        raise NotImplementedError

    def _succeeded(self, result: Any) -> None:
        self._on_success(result)

    def run(self) -> Future[Any] | None:
        return self._runner.submit(
            self.lane, self._work(), self._succeeded, self._on_failure, busy=self._busy
        )


class QueryOp(_Op[T]):
    """A read on the vault lane: ``query(session)``; the result goes to ``success``."""

    def __init__(
        self, runner: OpRunner, session: DeskSession, query: Callable[[DeskSession], T]
    ) -> None:
        super().__init__(runner)
        self._session = session
        self._query = query

    def _work(self) -> Callable[[], T]:
        return lambda: self._session.run(self._query)[0]


class CoreOp(_Op[T]):
    """An edit on the vault lane: ``change(session)``. When it succeeds, its ``Changes``
    are broadcast on the hub after ``success`` has run."""

    def __init__(
        self, runner: OpRunner, session: DeskSession, change: Callable[[DeskSession], T]
    ) -> None:
        super().__init__(runner)
        self._session = session
        self._change = change

    def _work(self) -> Callable[[], Any]:
        return lambda: self._session.run(self._change)

    def _succeeded(self, outcome: Any) -> None:
        result, changes = outcome
        self._on_success(result)
        if not changes.empty:
            self._runner.hub.changes_applied.emit(changes)


class NetworkOp(_Op[T]):
    """A call to the server on the network pool: ``call()``."""

    lane = Lane.NETWORK

    def __init__(self, runner: OpRunner, call: Callable[[], T]) -> None:
        super().__init__(runner)
        self._call = call

    def _work(self) -> Callable[[], T]:
        return self._call


class VaultTask(_Op[T]):
    """Work on the vault lane that needs no session (create, unlock, lock)."""

    def __init__(self, runner: OpRunner, task: Callable[[], T]) -> None:
        super().__init__(runner)
        self._task = task

    def _work(self) -> Callable[[], T]:
        return self._task
