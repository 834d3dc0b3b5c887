"""Errors of the schema registry, each carrying the HTTP status and Confluent ``error_code`` to answer."""

from __future__ import annotations


class RegistryError(Exception):
    """Root of every error the registry raises on purpose."""

    http_status: int = 500
    error_code: int = 50001

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SubjectNotFound(RegistryError):
    http_status = 404
    error_code = 40401


class VersionNotFound(RegistryError):
    http_status = 404
    error_code = 40402


class SchemaNotFound(RegistryError):
    http_status = 404
    error_code = 40403


class SubjectSoftDeleted(RegistryError):
    http_status = 404
    error_code = 40404


class SubjectNotSoftDeleted(RegistryError):
    http_status = 404
    error_code = 40405


class VersionSoftDeleted(RegistryError):
    http_status = 404
    error_code = 40406


class VersionNotSoftDeleted(RegistryError):
    http_status = 404
    error_code = 40407


class SubjectConfigNotFound(RegistryError):
    http_status = 404
    error_code = 40408


class IncompatibleSchema(RegistryError):
    http_status = 409
    error_code = 409


class InvalidSchema(RegistryError):
    http_status = 422
    error_code = 42201


class InvalidVersion(RegistryError):
    http_status = 422
    error_code = 42202


class InvalidCompatibilityLevel(RegistryError):
    http_status = 422
    error_code = 42203


class MalformedRequest(RegistryError):
    http_status = 400
    error_code = 400


class StoreError(RegistryError):
    """The Kafka-backed log could not be read or written; the caller may retry."""

    http_status = 500
    error_code = 50001


class StoreTimeout(StoreError):
    error_code = 50002
