"""multipart/form-data for the sandboxes without a regular expression compiled per request.

werkzeug's streaming decoder compiles three regular expressions around each request's boundary,
and every boundary is new (clients draw a random one per request), so Python's pattern cache
never helps: 0.66 ms of CPU for every picture upload or Weibo post, about a fifth of what the
sandbox spent on a request (issue 17, bench.publish_profile with the handler's thread CPU).
The keep-alive server (`channels.sandbox_http`) has already read the whole body by its
Content-Length, so the body is split at its delimiters instead (RFC 7578 / RFC 2046 §5.1.1):
the same fields and `FileStorage` files werkzeug gives, and a body that does not parse is refused
as werkzeug refuses it (ValueError: the request sees an empty form).
"""

from __future__ import annotations

import io
from typing import IO, Any

from werkzeug.datastructures import FileStorage, Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header
from werkzeug.wrappers import Request

CRLF = b"\r\n"


class WholeBodyFormParser(FormDataParser):
    def _parse_multipart(
        self, stream: IO[bytes], mimetype: str, content_length: int | None, options: dict[str, str]
    ) -> tuple[IO[bytes], Any, Any]:
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        body = stream.read()
        if self.max_content_length is not None and len(body) > self.max_content_length:
            raise RequestEntityTooLarge()
        # Every delimiter is CRLF "--" boundary; the first one may open the body without CRLF.
        sections = (CRLF + body).split(CRLF + b"--" + boundary)
        if len(sections) < 2 or not sections[-1].startswith(b"--"):
            raise ValueError("multipart body without its closing delimiter")
        parts = sections[1:-1]
        if self.max_form_parts is not None and len(parts) > self.max_form_parts:
            raise RequestEntityTooLarge()
        fields: list[tuple[str, str]] = []
        files: list[tuple[str, FileStorage]] = []
        for section in parts:
            line_end = section.find(CRLF)
            if line_end < 0 or section[:line_end].strip(b" \t"):  # only padding before the CRLF
                raise ValueError("malformed multipart delimiter line")
            rest = section[line_end + 2 :]
            if rest.startswith(CRLF):
                head, content = b"", rest[2:]
            else:
                head, found, content = rest.partition(CRLF + CRLF)
                if not found:
                    raise ValueError("multipart part without the end of its headers")
            headers = Headers()
            for line in head.split(CRLF) if head else ():
                name, colon, value = line.decode("utf-8", "replace").partition(":")
                if not colon:
                    raise ValueError("malformed multipart part header")
                headers.add(name.strip(), value.strip())
            disposition, params = parse_options_header(headers.get("Content-Disposition"))
            name = params.get("name")
            if disposition != "form-data" or name is None:
                raise ValueError("multipart part without a form-data name")
            if "filename" in params:
                files.append((name, FileStorage(io.BytesIO(content), params["filename"], name, headers=headers)))
            else:
                if self.max_form_memory_size is not None and len(content) > self.max_form_memory_size:
                    raise RequestEntityTooLarge()
                fields.append((name, content.decode(_charset(headers), "replace")))
        return stream, self.cls(fields), self.cls(files)


def _charset(headers: Headers) -> str:
    # werkzeug's rule: a part's declared charset only from this safe list, else UTF-8
    declared = parse_options_header(headers.get("Content-Type", ""))[1].get("charset", "").lower()
    return declared if declared in {"ascii", "us-ascii", "utf-8", "iso-8859-1"} else "utf-8"


class SandboxRequest(Request):
    form_data_parser_class = WholeBodyFormParser
