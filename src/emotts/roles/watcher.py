"""Reload roles when files under the roles folder change, so edits need no restart."""

from __future__ import annotations

import logging
import threading

from watchfiles import watch

from emotts.roles.registry import RoleRegistry

log = logging.getLogger(__name__)


class RolesWatcher:
    """A daemon thread that calls `registry.reload()` after each burst of file changes."""

    def __init__(self, registry: RoleRegistry, debounce_ms: int = 400, force_polling: bool = False) -> None:
        self._registry = registry
        self._debounce_ms = debounce_ms
        self._force_polling = force_polling
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="emotts-roles-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        root = self._registry.root
        log.info("watching %s for role changes", root)
        try:
            for changes in watch(
                root,
                stop_event=self._stop,
                debounce=self._debounce_ms,
                force_polling=self._force_polling,
                poll_delay_ms=200,
                raise_interrupt=False,
            ):
                log.info("%d file change(s) under %s; reloading roles", len(changes), root)
                try:
                    self._registry.reload()
                except (
                    Exception
                ):  # a bad reload must not kill the watcher; the registry keeps the last good roles
                    log.exception("reloading roles failed")
        except Exception:
            log.exception("role watcher stopped; use POST /roles/reload to pick up changes")
