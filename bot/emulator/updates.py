"""The bot's connection to the API: getMe, logOut, close, getUpdates and webhooks.

getUpdates long-polls the state's update queue; a newer getUpdates or a webhook set meanwhile
ends the waiting one with Telegram's 409, and stopping the emulator ends it at once.
"""

from __future__ import annotations

import asyncio

from .models import JSON, ApiError, Handler, bad_request
from .params import flag
from .state import EmulatorState

__all__ = ["UpdateMethods"]

ERR_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
ERR_TERMINATED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class UpdateMethods:
    """Who the bot is, and how its updates reach it."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def handlers(self) -> dict[str, Handler]:
        return {
            "getMe": self.get_me,
            "logOut": self.log_out,
            "close": self.close,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
        }

    async def get_me(self, p: JSON) -> JSON:
        return self.state.bot_user | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def log_out(self, p: JSON) -> bool:
        return True

    async def close(self, p: JSON) -> bool:
        return True

    async def get_updates(self, p: JSON) -> list[JSON]:
        state, queue = self.state, self.state.updates
        if state.webhook_url:
            raise ApiError(409, ERR_WEBHOOK_ACTIVE)
        # A newer getUpdates terminates the one still waiting.
        queue.poll_generation += 1
        generation = queue.poll_generation
        queue.signal.fire()

        offset = p.get("offset")
        if isinstance(offset, int) and offset != 0:
            if offset < 0:
                queue.pending = queue.pending[offset:]
            else:
                queue.pending = [u for u in queue.pending if u["update_id"] >= offset]
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            # An empty list restores the default; otherwise remembered for later calls.
            queue.allowed = frozenset(allowed) if allowed else None
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = max(float(p.get("timeout") or 0), 0.0)

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != queue.poll_generation:
                raise ApiError(409, ERR_TERMINATED)
            if state.webhook_url:  # set while this request was waiting
                raise ApiError(409, ERR_WEBHOOK_ACTIVE)
            if queue.pending or queue.closing:
                return queue.pending[:limit]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await queue.signal.wait(remaining)

    async def set_webhook(self, p: JSON) -> bool:
        url = str(p.get("url") or "")
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        queue = self.state.updates
        self.state.webhook_url = url
        if flag(p.get("drop_pending_updates", False)):
            queue.pending.clear()
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            queue.allowed = frozenset(allowed) if allowed else None
        # Setting a webhook terminates a waiting getUpdates.
        queue.signal.fire()
        return True

    async def delete_webhook(self, p: JSON) -> bool:
        self.state.webhook_url = ""
        if flag(p.get("drop_pending_updates", False)):
            self.state.updates.pending.clear()
        return True

    async def get_webhook_info(self, p: JSON) -> JSON:
        queue = self.state.updates
        info: JSON = {
            "url": self.state.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(queue.pending),
        }
        if self.state.webhook_url:
            info["max_connections"] = 40
        if queue.allowed is not None:
            info["allowed_updates"] = sorted(queue.allowed)
        return info
