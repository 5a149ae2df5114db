"""Problem codes and work orders: the tree callers' problems are filed under, and
the work orders action requests create or join (``ringback.service_requests``)."""

from ringback.work_orders.codes import CodeView, ProblemCodes, TreeNode
from ringback.work_orders.location import Location
from ringback.work_orders.orders import HistoryEntry, WorkOrders, WorkOrderView
from ringback.work_orders.states import STATE_LABELS, WorkOrderState

__all__ = ["STATE_LABELS", "CodeView", "HistoryEntry", "Location", "ProblemCodes", "TreeNode",
           "WorkOrderState", "WorkOrderView", "WorkOrders"]
