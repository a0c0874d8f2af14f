"""HTML sanitizing for display, and HTML → text."""

from __future__ import annotations

import pytest

from tracker.mailimport import sanitize_html, text_html_to_plain
from tracker.mailimport.sanitize import SanitizeReport, clean_style

HOSTILE = """<html><head><title>제목</title>
<style>body { background: url(http://tracker.example/css.gif) }
p { x: expression(alert(1)) }</style>
<meta http-equiv="refresh" content="0;url=https://phish.example/">
<base href="https://phish.example/"><link rel="stylesheet" href="https://evil.example/x.css">
</head><body onload="alert('body')">
<script>alert('script')</script>
<p>정산 <b>내역</b></p>
<img src=x onerror="alert('img')">
<a href="javascript:alert('js')">js link</a>
<a href=" JaVa&#x09;ScRiPt:alert('obfuscated')">obfuscated link</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>
<a href="https://city.go.kr/notice?id=1" target="_top" onclick="steal()">notice</a>
<iframe src="https://evil.example/frame"></iframe>
<object data="https://evil.example/x.swf"></object><embed src="https://evil.example/y">
<form action="https://phish.example/login"><input name="pw" type="password">
<button>로그인</button></form>
<img src="http://tracker.example/pixel.gif" width="1" height="1" alt="">
<img src="https://tracker.example/open.png?u=kim">
<img src="//tracker.example/proto-relative.gif"><img src="pixel.gif">
<img src="cid:image001.png@01DA70C3.CE23D210" alt="로고">
<table background="http://tracker.example/bg.gif"><tr>
<td style="background-image:url(http://tracker.example/td.gif); color: red">셀</td></tr></table>
<div style="width: expression(alert('css')); color: blue">div</div>
<span style="color: r\\65 d; font-weight: bold">esc</span>
<svg onload="alert(1)"><script>alert('svg')</script></svg>
<!-- comment with <script>alert(1)</script> -->
</body></html>"""


def test_hostile_html_is_neutralised():
    report = SanitizeReport()
    safe = sanitize_html(HOSTILE, report)
    lowered = safe.lower()
    for forbidden in (
        "<script",
        "alert(",
        "javascript",
        "<style",
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "<input",
        "<button",
        "<meta",
        "<base",
        "<link",
        "<svg",
        "onerror",
        "onload",
        "onclick",
        "expression",
        "url(",
        "tracker.example",
        "evil.example",
        "phish.example",
        "data:text",
        "background=",
        "target=",
        "<!--",
    ):
        assert forbidden not in lowered, forbidden
    assert "<p>정산 <b>내역</b></p>" in safe
    assert '<img src="cid:image001.png@01DA70C3.CE23D210" alt="로고">' in safe
    assert (
        '<a href="https://city.go.kr/notice?id=1" rel="noopener noreferrer nofollow">notice</a>'
        in safe
    )
    assert '<a rel="noopener noreferrer nofollow">js link</a>' in safe
    assert '<td style="color: red">셀</td>' in safe
    assert '<div style="color: blue">div</div>' in safe
    assert '<span style="font-weight: bold">esc</span>' in safe
    assert "제목" not in safe  # <title> content is not body text
    # x (relative), the pixel, open.png, protocol-relative and relative: five img sources cut
    assert report.remote_images_blocked == 5


def test_inline_data_images_are_kept_but_not_other_data():
    png = "data:image/png;base64,iVBORw0KGgo="
    assert sanitize_html(f'<img src="{png}">') == f'<img src="{png}">'
    assert sanitize_html('<img src="data:image/svg+xml;base64,PHN2Zz4=">') == "<img>"


@pytest.mark.parametrize(
    ("style", "kept"),
    [
        ("color: red; font-size: 12pt", "color: red; font-size: 12pt"),
        ("COLOR:#fff;position:fixed;top:0", "color: #fff"),
        ("color: rgb(1, 2, 3)", "color: rgb(1, 2, 3)"),
        ("width: calc(100% - expression(1))", ""),
        ("background-color: red; background: url(x)", "background-color: red"),
        ("font-family: 'Malgun Gothic', 맑은 고딕", "font-family: 'Malgun Gothic', 맑은 고딕"),
        ("color: red /* x */; width: e/**/xpression(1)", "color: red"),
        ("color: &#114;ed", ""),
        ("behavior: url(x.htc)", ""),
        ("width: 10px; height:", "width: 10px"),
    ],
)
def test_clean_style(style, kept):
    assert clean_style(style) == kept


def test_empty_html():
    assert sanitize_html("") == ""
    assert sanitize_html("   \n") == ""


def test_text_html_to_plain():
    html = (
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<h1>자료 이관 요구</h1><p>김철수&nbsp;주무관님,<br>아래와 같이 요청합니다.</p>"
        "<ul><li>정산내역</li><li>가맹점   목록</li></ul>"
        "<table><tr><th>항목</th><th>금액</th></tr><tr><td>발행수수료</td><td>1,234원</td></tr>"
        "</table><pre>  들여쓰기\n  유지</pre><script>alert(1)</script>"
        "<p>문의: <a href='mailto:kim@city.go.kr'>kim@city.go.kr</a> &amp; 끝</p></body></html>"
    )
    assert text_html_to_plain(html) == (
        "자료 이관 요구\n\n"
        "김철수 주무관님,\n아래와 같이 요청합니다.\n\n"
        "- 정산내역\n- 가맹점 목록\n"
        "항목\t금액\n발행수수료\t1,234원\n\n"
        "  들여쓰기\n  유지\n"
        "문의: kim@city.go.kr & 끝"
    )
    assert text_html_to_plain("") == ""
