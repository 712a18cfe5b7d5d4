"""Bulk API 2.0: ingest jobs (CSV in, per-row results out) and query jobs (CSV pages).

With the fast latency model (the default) jobs run synchronously when the
upload is closed (ingest) or created (query), so a client's first poll already
sees ``JobComplete``. With the realistic model a job is processed in the
background as on Salesforce: ``UploadComplete`` when closed, ``InProgress`` on
the next look, ``JobComplete`` once its processing time has passed (see
``latency_profile.py``); only then are its rows applied and its results ready.
The shapes and headers are what simple-salesforce 1.12.10's
``sf.bulk2.<Object>`` reads.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import time
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from integrations.sandbox.salesforce import ids
from integrations.sandbox.salesforce.store import RecordError

if TYPE_CHECKING:
    from integrations.sandbox.salesforce.app import SalesforceEmulator

#: rows per query-results page when the client gives no maxRecords
DEFAULT_MAX_RECORDS = 50000
DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
INGEST_OPERATIONS = {"insert", "update", "upsert", "delete", "hardDelete"}


def _error(status: int, code: str, message: str) -> Exception:
    from integrations.sandbox.salesforce.app import sf_error

    return sf_error(status, code, message)


class BulkJobs:
    """The org's Bulk 2.0 jobs, kept until reset."""

    def __init__(self, emulator: SalesforceEmulator):
        self.emulator = emulator
        self.jobs: dict[str, dict[str, Any]] = {}
        self.ingest_count = 0
        self.query_count = 0
        self.serial = 0

    # --- background processing --------------------------------------------------------
    def advance(self) -> None:
        """Move jobs on whose processing time has passed (called under the emulator lock
        before every request, so whatever a client reads reflects finished jobs)."""
        now = time.monotonic()
        for job in self.jobs.values():
            ready_at = job.get("_ready_at")
            if ready_at is None or job["state"] not in ("UploadComplete", "InProgress"):
                continue
            if now < ready_at:
                job["state"] = "InProgress"
            elif job["_kind"] == "ingest":
                self._process(job)
            else:
                job["state"] = "JobComplete"
                job["numberRecordsProcessed"] = len(job["_rows"])
            if job["state"] == "JobComplete":
                job["totalProcessingTime"] = int(job.pop("_processing_s") * 1000)
                job.pop("_ready_at")

    def _schedule(self, job: dict[str, Any], latency_class: str, units: int) -> bool:
        """Give ``job`` its processing time; False when the model has none (run it now)."""
        seconds = self.emulator.latency.processing_s(latency_class, units)
        if seconds <= 0:
            return False
        job["_processing_s"] = seconds
        job["_ready_at"] = time.monotonic() + seconds
        return True

    # --- shared -----------------------------------------------------------------------
    def _new_job(self, request: Request, kind: str, extra: dict[str, Any]) -> dict[str, Any]:
        self.serial += 1
        job_id = ids.make_id("750", self.serial)
        stamp = self.emulator.store.now()
        job = {
            "id": job_id,
            "object": extra.pop("object", None),
            "createdById": self.emulator.user_of(request),
            "createdDate": stamp,
            "systemModstamp": stamp,
            "state": "Open",
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": 59.0,
            "jobType": "V2Query" if kind == "query" else "V2Ingest",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
            "numberRecordsProcessed": 0,
            "numberRecordsFailed": 0,
            "retries": 0,
            "totalProcessingTime": 0,
            "_kind": kind,
        }
        job.update(extra)
        self.jobs[job_id] = job
        return job

    def _job(self, job_id: str, kind: str) -> dict[str, Any]:
        job = self.jobs.get(job_id)
        if job is None or job["_kind"] != kind:
            raise _error(404, "NOT_FOUND", "The requested resource does not exist")
        return job

    @staticmethod
    def _public(job: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in job.items() if not k.startswith("_")}

    def _csv_response(self, text: str, headers: dict[str, str] | None = None) -> Response:
        return Response(text, 200, headers=headers, mimetype="text/csv")

    def _body(self, request: Request) -> dict[str, Any]:
        body = self.emulator.body(request)
        if not isinstance(body, dict):
            raise _error(400, "JSON_PARSER_ERROR", "Expected a JSON object")
        return body

    # --- ingest -----------------------------------------------------------------------
    def ingest_jobs(self, request: Request) -> Response:
        if request.method == "GET":
            records = [self._public(j) for j in self.jobs.values() if j["_kind"] == "ingest"]
            return self.emulator.json_response({"done": True, "records": records})
        body = self._body(request)
        operation = body.get("operation")
        if operation not in INGEST_OPERATIONS:
            raise _error(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        sobject = self.emulator._writable(str(body.get("object", "")))
        ext = None
        if operation == "upsert":
            ext = self.emulator._external_field(sobject, str(body.get("externalIdFieldName", "")))
        delimiter = body.get("columnDelimiter", "COMMA")
        if delimiter not in DELIMITERS:
            raise _error(400, "INVALIDJOB", f"InvalidJob : Invalid columnDelimiter: {delimiter}")
        self.ingest_count += 1
        job = self._new_job(
            request,
            "ingest",
            {
                "operation": operation,
                "object": sobject,
                "externalIdFieldName": ext,
                "columnDelimiter": delimiter,
                "lineEnding": body.get("lineEnding", "LF"),
                "_data": [],
                "_success": [],
                "_failed": [],
                "_unprocessed": [],
            },
        )
        job["contentUrl"] = f"services/data/v59.0/jobs/ingest/{job['id']}/batches"
        return self.emulator.json_response(self._public(job))

    def ingest_job(self, request: Request, job_id: str) -> Response:
        job = self._job(job_id, "ingest")
        if request.method == "DELETE":
            del self.jobs[job_id]
            return self.emulator.json_response(None, 204)
        if request.method == "PATCH":
            state = self._body(request).get("state")
            if state == "UploadComplete" and job["state"] == "Open":
                job["state"] = "UploadComplete"
                # who closed it and the record errors a fault rule attached, for later
                job["_user"] = self.emulator.user_of(request)
                job["_injected"] = self.emulator.record_errors_for(request)
                rows = sum(chunk.count("\n") for chunk in job["_data"]) - len(job["_data"])
                if not self._schedule(job, "bulk_ingest_processing", max(rows, 0)):
                    self._process(job)
            elif state == "Aborted" and job["state"] in ("Open", "UploadComplete", "InProgress"):
                job["state"] = "Aborted"
                job.pop("_ready_at", None)
            else:
                raise _error(400, "INVALIDJOBSTATE", f"Invalid job state transition to {state}")
        return self.emulator.json_response(self._public(job))

    def ingest_upload(self, request: Request, job_id: str) -> Response:
        job = self._job(job_id, "ingest")
        if job["state"] != "Open":
            raise _error(409, "INVALIDJOBSTATE", "Job is not open for uploads")
        job["_data"].append(request.get_data(as_text=True))
        return Response(status=201)

    def _process(self, job: dict[str, Any]) -> None:
        """Apply every uploaded row; each row succeeds or fails on its own, as in Bulk 2.0."""
        store = self.emulator.store
        user = job["_user"]
        sobject, operation, ext = job["object"], job["operation"], job["externalIdFieldName"]
        delimiter = DELIMITERS[job["columnDelimiter"]]
        # a fault rule on the UploadComplete PATCH can fail chosen rows (0-based, whole job)
        injected = job["_injected"]
        index = -1
        header: list[str] | None = None
        for chunk in job["_data"]:
            reader = csv.reader(io.StringIO(chunk, newline=""), delimiter=delimiter)
            chunk_header = next(reader, None)
            if chunk_header is None:
                continue
            header = header or chunk_header
            for row in reader:
                if not row:
                    continue
                index += 1
                values = {k: v for k, v in zip(chunk_header, row, strict=False) if v != ""}
                try:
                    if index in injected:
                        fault = injected[index]
                        raise RecordError(
                            fault.get("statusCode") or fault.get("status") or "UNKNOWN_EXCEPTION",
                            fault.get("message", "Injected record error"),
                        )
                    record_id, created = self._apply(store, sobject, operation, ext, values, user)
                except RecordError as exc:
                    error = exc.errors[0]
                    fields = ",".join(error["fields"])
                    message = f"{error['errorCode']}:{error['message']}:{fields} --"
                    job["_failed"].append([values.get("Id", ""), message, *row])
                    job["numberRecordsFailed"] += 1
                else:
                    job["_success"].append([record_id, "true" if created else "false", *row])
                job["numberRecordsProcessed"] += 1
        job["_header"] = header or []
        job["_data"] = []
        job["state"] = "JobComplete"
        job["systemModstamp"] = store.now()

    @staticmethod
    def _apply(
        store: Any,
        sobject: str,
        operation: str,
        ext: str | None,
        values: dict[str, str],
        user: str,
    ) -> tuple[str, bool]:
        def target() -> str:
            record_id = ids.normalize(values.get("Id", ""))
            if not record_id or store.get(sobject, record_id) is None:
                raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
            return record_id

        if operation == "insert":
            return store.create(sobject, values, user, from_csv=True), True
        if operation == "update":
            record_id = target()
            store.update(sobject, record_id, values, user, from_csv=True)
            return record_id, False
        if operation in ("delete", "hardDelete"):
            record_id = target()
            store.delete(sobject, record_id, user)
            return record_id, False
        key = next((v for k, v in values.items() if k.lower() == (ext or "").lower()), None)
        if not key:
            raise RecordError("MISSING_ARGUMENT", f"{ext} not specified", [ext or ""])
        matches = store.find_by_external(sobject, ext, key)
        if len(matches) > 1:
            raise RecordError(
                "DUPLICATE_EXTERNAL_ID", f"{ext}: more than one record found", [ext or ""]
            )
        if matches:
            store.update(sobject, matches[0], values, user, from_csv=True)
            return matches[0], False
        return store.create(sobject, values, user, from_csv=True), True

    def ingest_results(self, request: Request, job_id: str, kind: str) -> Response:
        job = self._job(job_id, "ingest")
        header = job.get("_header", [])
        if kind == "successfulResults":
            rows, prefix = job["_success"], ["sf__Id", "sf__Created"]
        elif kind == "failedResults":
            rows, prefix = job["_failed"], ["sf__Id", "sf__Error"]
        elif kind == "unprocessedrecords":
            rows, prefix = [], []
        else:
            raise _error(404, "NOT_FOUND", "The requested resource does not exist")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(prefix + header)
        writer.writerows(rows)
        return self._csv_response(out.getvalue())

    # --- query ------------------------------------------------------------------------
    def query_jobs(self, request: Request) -> Response:
        if request.method == "GET":
            records = [self._public(j) for j in self.jobs.values() if j["_kind"] == "query"]
            return self.emulator.json_response({"done": True, "records": records})
        body = self._body(request)
        operation = body.get("operation", "query")
        if operation not in ("query", "queryAll"):
            raise _error(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        text = body.get("query")
        if not text:
            raise _error(400, "INVALIDJOB", "InvalidJob : query is required")
        sobject, fields, parsed, rows = self.emulator.run_soql(text, operation == "queryAll")
        if parsed.count_only or parsed.offset:
            raise _error(
                400,
                "API_ERROR",
                "API_ERROR: COUNT() and OFFSET are not supported by Bulk API 2.0 queries",
            )
        self.query_count += 1
        job = self._new_job(
            request,
            "query",
            {
                "operation": operation,
                "object": sobject,
                "query": text,
                "columnDelimiter": body.get("columnDelimiter", "COMMA"),
                "lineEnding": body.get("lineEnding", "LF"),
                "_fields": fields,
                "_rows": rows,
            },
        )
        job["state"] = "UploadComplete"
        response = self.emulator.json_response(self._public(job))
        if not self._schedule(job, "bulk_query_processing", len(rows)):
            job["state"] = "JobComplete"
            job["numberRecordsProcessed"] = len(rows)
        return response

    def query_job(self, request: Request, job_id: str) -> Response:
        job = self._job(job_id, "query")
        if request.method == "DELETE":
            del self.jobs[job_id]
            return self.emulator.json_response(None, 204)
        if request.method == "PATCH" and self._body(request).get("state") == "Aborted":
            job["state"] = "Aborted"
            job.pop("_ready_at", None)
        return self.emulator.json_response(self._public(job))

    def query_job_results(self, request: Request, job_id: str) -> Response:
        job = self._job(job_id, "query")
        if job["state"] != "JobComplete":
            raise _error(400, "INVALIDJOBSTATE", "The job is not complete")
        try:
            size = int(request.args.get("maxRecords") or DEFAULT_MAX_RECORDS)
            start = _offset(request.args.get("locator") or "")
        except ValueError:
            raise _error(400, "INVALIDLOCATOR", "Invalid locator or maxRecords") from None
        rows = job["_rows"]
        page = rows[start : start + size]
        end = start + len(page)
        out = io.StringIO()
        newline = "\r\n" if job["lineEnding"] == "CRLF" else "\n"
        writer = csv.writer(
            out,
            delimiter=DELIMITERS.get(job["columnDelimiter"], ","),
            lineterminator=newline,
            quoting=csv.QUOTE_ALL,
        )
        fields = job["_fields"]
        writer.writerow(fields)
        sobject = job["object"]
        for record in page:
            writer.writerow(
                [_csv_value(self.emulator.field_value(sobject, record, f)) for f in fields]
            )
        headers = {
            "Sforce-NumberOfRecords": str(len(page)),
            "Sforce-Locator": _locator(end) if end < len(rows) else "null",
        }
        return self._csv_response(out.getvalue(), headers)


def _locator(offset: int) -> str:
    """The locator of the results from row ``offset`` on. Since API 49.0 Salesforce's
    locators are opaque strings (``MTAwMDA``), not row numbers, so a client must pass
    back what it was given rather than count rows itself.
    https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm
    """
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(locator: str) -> int:
    """The row a locator given by ``_locator`` starts at (0 without one); ValueError
    when it is not one of ours."""
    if not locator:
        return 0
    try:
        text = base64.urlsafe_b64decode(locator + "=" * (-len(locator) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError(locator) from None
    if not text.isdigit():
        raise ValueError(locator)
    return int(text)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and len(value) == 28 and value.endswith("+0000"):
        return value[:-5] + "Z"  # Bulk 2.0 writes datetimes as 2024-01-01T00:00:00.000Z
    return str(value)
