"""The HTTP client of the services: pace, Retry-After, backoff, cache, offline, base URLs.

A local server answers (pytest-httpserver); time is a fake clock, so nothing sleeps.
"""

from __future__ import annotations

import pytest
from werkzeug import Response

from lmsdb.services import arxiv, crossref, dblp
from lmsdb.services.http import Http, NotCached, ServiceError, SourceDown

from .conftest import DATA, FakeClock


def _http(tmp_path, policies, **kw) -> Http:
    return Http(policies, cache_dir=tmp_path / "cache", clock=kw.pop("clock"), **kw)


def test_base_url_path_is_kept_and_service_paths_appended(httpserver, tmp_path):
    httpserver.expect_request("/mirror/arxiv/api/query").respond_with_data(
        (DATA / "api/arxiv/query_id_list_0000.0000.empty.xml").read_bytes())
    http = _http(tmp_path, [arxiv.policy(httpserver.url_for("/mirror/arxiv"))],
                 clock=FakeClock())
    found, refused = arxiv.fetch(http, ["0000.0000"])
    assert found == {} and refused == {}
    (req, _), = httpserver.log
    assert req.path == "/mirror/arxiv/api/query"
    assert req.args["id_list"] == "0000.0000"


def test_arxiv_is_asked_at_most_once_every_three_seconds(httpserver, tmp_path):
    httpserver.expect_request("/api/query").respond_with_data(
        (DATA / "api/arxiv/query_id_list_0000.0000.empty.xml").read_bytes())
    clock = FakeClock()
    http = _http(tmp_path, [arxiv.policy(httpserver.url_for("/"))], clock=clock)
    for i in range(3):
        http.request("arxiv", "GET", "/api/query", params={"id_list": f"000{i}.0000"})
    assert clock.sleeps == [3.0, 3.0]
    assert http.sent("arxiv") == 3
    # The same three again come from the cache: no request, no waiting.
    for i in range(3):
        r = http.request("arxiv", "GET", "/api/query", params={"id_list": f"000{i}.0000"})
        assert r.from_cache
    assert http.sent("arxiv") == 3 and clock.sleeps == [3.0, 3.0]


def test_dblp_429_retry_after_is_honoured_then_pace_kept(httpserver, tmp_path):
    answers = iter([Response("slow down", status=429, headers={"Retry-After": "7"}),
                    Response('{"result": {"hits": {"@total": "0"}}}',
                             content_type="application/json")])
    httpserver.expect_request("/search/publ/api").respond_with_handler(lambda r: next(answers))
    clock = FakeClock()
    http = _http(tmp_path, [dblp.policy(httpserver.url_for("/"))], clock=clock)
    assert dblp.search(http, "Anything") == []
    assert clock.sleeps == [7.0]  # Retry-After, not the default backoff
    assert http.sent("dblp") == 2
    assert http.adapters["dblp"].interval == 2.0  # and half the pace from now on
    # A 429 is never cached; the success is.
    assert http.request("dblp", "GET", "/search/publ/api",
                        params=dblp.search_params("Anything")).from_cache


def test_dblp_paces_one_request_a_second(httpserver, tmp_path):
    httpserver.expect_request("/search/publ/api").respond_with_data(
        '{"result": {"hits": {"@total": "0"}}}', content_type="application/json")
    clock = FakeClock()
    http = _http(tmp_path, [dblp.policy(httpserver.url_for("/"))], clock=clock)
    dblp.search(http, "one")
    clock.t += 0.25  # some work between two requests counts towards the interval
    dblp.search(http, "two")
    assert clock.sleeps == [0.75]


def test_crossref_rate_limit_headers_set_the_pace_and_mailto_is_sent(httpserver, tmp_path):
    body = (DATA / "api/crossref/works_10.1109_samos.2013.6621096.json").read_bytes()
    httpserver.expect_request("/works/10.1109/SAMOS.2013.6621096").respond_with_data(
        body, content_type="application/json",
        headers={"x-rate-limit-limit": "10", "x-rate-limit-interval": "1s"})
    httpserver.expect_request("/works/10.1109/other").respond_with_data(
        body, content_type="application/json",
        headers={"x-rate-limit-limit": "2", "x-rate-limit-interval": "1s"})
    clock = FakeClock()
    http = _http(tmp_path, [crossref.policy(httpserver.url_for("/"), "me@example.org")],
                 clock=clock)
    crossref.fetch(http, "10.1109/SAMOS.2013.6621096")
    crossref.fetch(http, "10.1109/other")
    assert clock.sleeps == [0.1]  # 10 per second announced: 0.1 s, not the first 1 s
    assert http.adapters["crossref"].interval == 0.5  # then 2 per second
    assert all(req.args["mailto"] == "me@example.org" for req, _ in httpserver.log)


def test_server_errors_are_retried_with_backoff_then_the_source_is_given_up(httpserver,
                                                                             tmp_path):
    httpserver.expect_request("/search/publ/api").respond_with_data("down", status=503)
    clock = FakeClock()
    p = dblp.policy(httpserver.url_for("/"))
    http = _http(tmp_path, [p], clock=clock)
    for _ in range(p.give_up_after):
        with pytest.raises(ServiceError, match="HTTP 503 after 4 attempts"):
            dblp.search(http, "x")
    assert http.sent("dblp") == 4 * p.give_up_after
    assert clock.sleeps[:3] == [2.0, 4.0, 8.0]  # exponential backoff between attempts
    with pytest.raises(SourceDown):
        dblp.search(http, "x")
    assert http.sent("dblp") == 4 * p.give_up_after  # given up: nothing more sent


def test_a_retry_after_longer_than_the_limit_gives_up_at_once(httpserver, tmp_path):
    httpserver.expect_request("/search/publ/api").respond_with_data(
        "later", status=429, headers={"Retry-After": "3600"})
    clock = FakeClock()
    http = _http(tmp_path, [dblp.policy(httpserver.url_for("/"))], clock=clock)
    with pytest.raises(ServiceError, match="Retry-After 3600 s"):
        dblp.search(http, "x")
    assert clock.sleeps == [] and http.sent("dblp") == 1


def test_not_found_answers_are_cached_whatever_the_headers(httpserver, tmp_path):
    httpserver.expect_request("/works/10.1234/none").respond_with_data(
        "Resource not found.", status=404, content_type="text/plain",
        headers={"Cache-Control": "no-store"})
    http = _http(tmp_path, [crossref.policy(httpserver.url_for("/"), None)],
                 clock=FakeClock())
    assert crossref.fetch(http, "10.1234/none") is None
    assert crossref.fetch(http, "10.1234/none") is None
    assert len(httpserver.log) == 1
    http.close()
    # A new run (new session, same cache directory) sends nothing either.
    again = _http(tmp_path, [crossref.policy(httpserver.url_for("/"), None)],
                  clock=FakeClock())
    assert crossref.fetch(again, "10.1234/none") is None
    assert len(httpserver.log) == 1


def test_offline_answers_from_the_cache_and_refuses_the_rest(httpserver, tmp_path):
    httpserver.expect_request("/api/query").respond_with_data(
        (DATA / "api/arxiv/query_id_list_1605.08386.xml").read_bytes())
    online = _http(tmp_path, [arxiv.policy(httpserver.url_for("/"))], clock=FakeClock())
    arxiv.fetch(online, ["1605.08386"])
    online.close()
    offline = _http(tmp_path, [arxiv.policy(httpserver.url_for("/"))], clock=FakeClock(),
                    offline=True)
    found, _ = arxiv.fetch(offline, ["1605.08386"])
    assert "1605.08386" in found
    with pytest.raises(NotCached):
        arxiv.fetch(offline, ["2104.04473"])
    assert len(httpserver.log) == 1


def test_refresh_asks_again_and_stores_the_new_answer(httpserver, tmp_path):
    httpserver.expect_request("/api/query").respond_with_data(
        (DATA / "api/arxiv/query_id_list_0000.0000.empty.xml").read_bytes())
    first = _http(tmp_path, [arxiv.policy(httpserver.url_for("/"))], clock=FakeClock())
    arxiv.fetch(first, ["0000.0000"])
    first.close()
    fresh = _http(tmp_path, [arxiv.policy(httpserver.url_for("/"))], clock=FakeClock(),
                  refresh=True)
    arxiv.fetch(fresh, ["0000.0000"])
    assert len(httpserver.log) == 2


def test_a_malformed_id_costs_only_itself(httpserver, tmp_path):
    bad = (DATA / "api/arxiv/query_id_list_abc.400.xml").read_bytes()
    good = (DATA / "api/arxiv/query_id_list_1605.08386.xml").read_bytes()

    def answer(request):
        ids = request.args["id_list"]
        if "abc" in ids:
            return Response(bad, status=400, content_type="application/atom+xml")
        return Response(good, content_type="application/atom+xml")

    httpserver.expect_request("/api/query").respond_with_handler(answer)
    http = _http(tmp_path, [arxiv.policy(httpserver.url_for("/"))], clock=FakeClock())
    found, refused = arxiv.fetch(http, ["1605.08386", "abc"])
    assert list(found) == ["1605.08386"]
    assert refused == {"abc": "incorrect id format for abc"}


def test_api_key_and_contact_address_stay_out_of_the_cache_file(httpserver, tmp_path,
                                                                 monkeypatch):
    from lmsdb.services import s2

    monkeypatch.setenv("S2_API_KEY", "secret-key-123")
    httpserver.expect_request("/graph/v1/paper/batch", method="POST").respond_with_data(
        "[null]", content_type="application/json")
    http = _http(tmp_path, [s2.policy(httpserver.url_for("/"))], clock=FakeClock())
    assert s2.batch(http, ["ARXIV:0000.0000"]) == {}
    (req, _), = httpserver.log
    assert req.headers["x-api-key"] == "secret-key-123"
    http.close()
    for f in (tmp_path / "cache").iterdir():  # the database and any WAL beside it
        assert b"secret-key-123" not in f.read_bytes()


def test_the_network_guard_refuses_real_hosts(no_network):
    import socket

    with pytest.raises(OSError):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)
    assert no_network  # the attempt was recorded (and would fail the test) ...
    no_network.clear()  # ... except here, where it is the point


def test_a_request_that_times_out_is_retried_then_fails(httpserver, tmp_path):
    import time

    def slow(request):
        time.sleep(0.3)
        return Response("late")

    httpserver.expect_request("/search/publ/api").respond_with_handler(slow)
    clock = FakeClock()
    p = dblp.policy(httpserver.url_for("/"))
    p.timeout = (1.0, 0.05)
    p.retries = 1
    http = _http(tmp_path, [p], clock=clock)
    with pytest.raises(ServiceError, match="ReadTimeout"):
        dblp.search(http, "x")
    assert clock.sleeps == [2.0]  # backoff before the retry, none after the last attempt


def test_recorded_crossref_404_is_not_found(httpserver, tmp_path):
    httpserver.expect_request("/works/10.1234/gone").respond_with_data(
        (DATA / "api/crossref/works_10.48550_arxiv.2312.07559.404.txt").read_bytes(),
        status=404, content_type="text/plain")
    http = _http(tmp_path, [crossref.policy(httpserver.url_for("/"), None)], clock=FakeClock())
    assert crossref.fetch(http, "10.1234/gone") is None


def test_s2_429_without_retry_after_backs_off_exponentially(httpserver, tmp_path):
    from lmsdb.services import s2

    answers = iter([Response("", status=429), Response("", status=429),
                    Response("[null]", content_type="application/json")])
    httpserver.expect_request("/graph/v1/paper/batch", method="POST").respond_with_handler(
        lambda r: next(answers))
    clock = FakeClock()
    http = _http(tmp_path, [s2.policy(httpserver.url_for("/"))], clock=clock)
    assert s2.batch(http, ["ARXIV:0000.0000"]) == {}
    assert clock.sleeps == [5.0, 10.0]


def test_answers_are_shared_with_and_without_a_contact_address(httpserver, tmp_path):
    body = (DATA / "api/crossref/works_10.1109_samos.2013.6621096.json").read_bytes()
    httpserver.expect_request("/works/10.1109/SAMOS.2013.6621096").respond_with_data(
        body, content_type="application/json")
    polite = _http(tmp_path, [crossref.policy(httpserver.url_for("/"), "me@example.org")],
                   clock=FakeClock())
    assert crossref.fetch(polite, "10.1109/SAMOS.2013.6621096") is not None
    polite.close()
    anonymous = _http(tmp_path, [crossref.policy(httpserver.url_for("/"), None)],
                      clock=FakeClock())
    assert crossref.fetch(anonymous, "10.1109/SAMOS.2013.6621096") is not None
    assert len(httpserver.log) == 1
    other = _http(tmp_path, [crossref.policy(httpserver.url_for("/"), "you@example.org")],
                  clock=FakeClock())
    assert crossref.fetch(other, "10.1109/SAMOS.2013.6621096") is not None
    assert len(httpserver.log) == 1
    for f in (tmp_path / "cache").iterdir():
        assert b"me@example.org" not in f.read_bytes()
