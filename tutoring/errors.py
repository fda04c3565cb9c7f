"""Errors the services raise for bad requests; views and consumers turn them into 4xx responses / alerts."""


class ServiceError(Exception):
    """A request that cannot be carried out; ``str(error)`` is a message fit for the user."""

    status = 400


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409
