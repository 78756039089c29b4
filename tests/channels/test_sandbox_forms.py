"""The sandboxes' multipart parser gives what werkzeug's gives (issue 17: it only skips the
regular expressions werkzeug compiles for each new boundary)."""

from __future__ import annotations

import io

import pytest
import requests
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from channels.sandbox_forms import SandboxRequest

PICTURE = b"\xff\xd8\xff\xe0binary\r\n--not-a-boundary\r\n\r\n\x00\xff" * 50


def _prepared(**kwargs) -> tuple[bytes, str]:
    prepared = requests.Request("POST", "http://sandbox/2/statuses/share.json", **kwargs).prepare()
    return prepared.body, prepared.headers["Content-Type"]


def _parsed(cls: type[Request], body: bytes, content_type: str):
    environ = EnvironBuilder(method="POST", input_stream=io.BytesIO(body), content_type=content_type,
                             content_length=len(body)).get_environ()
    request = cls(environ)
    files = [(name, f.filename, f.content_type, f.read()) for name, f in request.files.items(multi=True)]
    return list(request.form.items(multi=True)), files


BODIES = [
    # what the Weibo client sends: text fields and the picture
    dict(data={"access_token": "sandbox-token-1", "status": "市政府召开常务会议\r\n研究部署——冬季供暖 🙂"},
         files={"pic": ("cover.jpg", PICTURE, "image/jpeg")}),
    # WeChat's material upload: one file, no fields; an empty file; repeated field names
    dict(files={"media": ("图 1.png", b"", "image/png")}),
    dict(data={"tag": ["一", "二", ""]}, files=[("a", ("a.bin", b"x")), ("a", ("b.bin", PICTURE))]),
]


@pytest.mark.parametrize("kwargs", BODIES)
def test_same_fields_and_files_as_werkzeug(kwargs):
    body, content_type = _prepared(**kwargs)
    expected = _parsed(Request, body, content_type)
    assert expected[0] or expected[1]  # the case parses to something
    assert _parsed(SandboxRequest, body, content_type) == expected


def test_hand_written_bodies_with_preamble_padding_and_charset():
    content_type = "multipart/form-data; boundary=XyZ"
    body = (b"preamble to ignore\r\n--XyZ  \r\n"
            b'Content-Disposition: form-data; name="status"\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n'
            b"caf\xe9\r\n--XyZ\r\n"
            b'Content-Disposition: form-data; name="pic"; filename*=UTF-8\'\'%E5%9B%BE.jpg\r\n\r\n'
            b"\r\n\r\nbytes\r\n--XyZ--\r\nepilogue")
    expected = _parsed(Request, body, content_type)
    assert expected == ([("status", "café")], [("pic", "图.jpg", None, b"\r\n\r\nbytes")])
    assert _parsed(SandboxRequest, body, content_type) == expected


@pytest.mark.parametrize("body", [
    b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno closing delimiter",
    b"nothing at all",
])
def test_a_body_that_does_not_parse_leaves_the_form_empty_as_werkzeug_does(body):
    content_type = "multipart/form-data; boundary=XyZ"
    assert _parsed(SandboxRequest, body, content_type) == _parsed(Request, body, content_type) == ([], [])
