"""Call-centre requests: every contact logged as an information request, an action
request (which becomes or joins a work order) or a remark, and the volume report."""

from ringback.service_requests.log import AlreadyReported, RequestLog, RequestPage, RequestView

__all__ = ["AlreadyReported", "RequestLog", "RequestPage", "RequestView"]
