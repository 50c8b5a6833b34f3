"""HTTP status of GraphQL responses: 503 when the graph engine is unavailable.

GraphQL errors normally travel in a 200 response. When *every* error of a response is
GRAPH_UNAVAILABLE (the engine is down or restarting) the request could not be served at all,
so the status is 503 with a ``Retry-After`` hint: load balancers, probes and clients that only
look at the status then retry instead of treating the answer as final.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fastapi import Response
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse

UNAVAILABLE = "GRAPH_UNAVAILABLE"
RETRY_AFTER_S = "1"


def all_unavailable(response_data: object) -> bool:
    """True when the response (or each of a batch) has errors and all are GRAPH_UNAVAILABLE."""
    items: Sequence[object] = response_data if isinstance(response_data, list) else [response_data]
    seen = False
    for item in items:
        errors = item.get("errors") if isinstance(item, Mapping) else None
        if not errors:
            return False
        for error in errors:
            extensions = error.get("extensions") if isinstance(error, Mapping) else None
            if not isinstance(extensions, Mapping) or extensions.get("code") != UNAVAILABLE:
                return False
            seen = True
    return seen


class StatusGraphQLRouter(GraphQLRouter):
    """Strawberry's FastAPI router answering 503 when the engine could not be reached."""

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if all_unavailable(response_data):
            response.status_code = 503
            response.headers["Retry-After"] = RETRY_AFTER_S
        return response
