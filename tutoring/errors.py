"""Errors the services raise for bad requests; views and consumers turn them into 4xx responses / alerts."""


class ServiceError(Exception):
    """A request that cannot be carried out; ``str(error)`` is a message fit for the user."""

    status = 400
    code = "bad_request"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"
