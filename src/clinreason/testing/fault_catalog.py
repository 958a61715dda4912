"""The faults FaultServer can inject, by name, and which of them a client should retry."""

from __future__ import annotations

# Faults a chat request can meet. "ok" is a healthy reply (after `delay_s`).
FAULTS = (
    "ok",
    "429",  # rate limited, with a Retry-After header
    "500",
    "503",
    "400",  # a bad request: must not be retried
    "reset",  # TCP reset before any response byte
    "hang",  # accepts the request, never answers (until hang_s): the client's timeout must fire
    "truncated",  # Content-Length promises more body than is sent, then the connection closes
    "invalid_json",  # a complete HTTP 200 whose body is cut-off JSON
    "empty_choices",  # a valid JSON body with "choices": []
    "stream_cut",  # a chunked (or, for stream=true, SSE) response that stops mid-way
    "bad_tool_calls",  # a complete HTTP 200 whose message.tool_calls are malformed
    # Complete HTTP 200 replies, well-formed JSON (except non_utf8) but not a chat completion:
    "non_utf8",  # the body holds bytes that are not UTF-8
    "lone_surrogate",  # content "\udc80" (escaped in JSON): no UTF-8 text can hold it
    "content_number",  # message.content is a number
    "content_garbled",  # message.content is a list, but not of text parts
    "bad_finish_reason",  # finish_reason is a number
    "usage_string",  # usage is a string
    "usage_negative",  # usage.completion_tokens < 0
    "usage_list",  # usage is a list
    "choice_not_object",  # choices holds a string
    "no_message",  # a choice without message
    "message_not_object",  # message is a string
    "trickle",  # a healthy body, one byte every trickle_s, cut after hang_s: no per-read timeout ever fires
    "echo_500",  # HTTP 500 whose body echoes the request's Authorization header (as careless servers do)
    # Not retryable:
    "echo_401",  # HTTP 401 whose body echoes the Authorization header
    "huge",  # a gzip bomb: a small gzip body that inflates to huge_bytes of JSON
    # Healthy replies in another shape:
    "content_parts",  # message.content as OpenAI's list of parts [{"type": "text", "text": ...}]
    "echo_200",  # a healthy reply whose text echoes the Authorization header
)
MALFORMED_FAULTS = ("non_utf8", "lone_surrogate", "content_number", "content_garbled", "bad_finish_reason",
                    "usage_string", "usage_negative", "usage_list", "choice_not_object", "no_message",
                    "message_not_object")
TRANSIENT_FAULTS = ("429", "500", "503", "reset", "hang", "truncated", "invalid_json", "empty_choices", "stream_cut",
                    "bad_tool_calls", *MALFORMED_FAULTS, "trickle", "echo_500")
N_MODES = ("honour", "ignore", "reject")
