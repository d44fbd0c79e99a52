"""The federation policy's domain matching: one domain, every spelling (hypothesis).

SECURITY.md (Mastodon CVE-2023-42451): a block on ``example.org`` must hold for
``EXAMPLE.org.``, ``sub.example.org``, ``example.org:8443`` and, for an
internationalised name, both its Unicode and its punycode (IDNA 2003 and 2008) forms,
and never for a different domain that merely ends with the same letters.
"""

from __future__ import annotations

import idna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node.activitypub.federation_policy import (
    BadDomain,
    Rules,
    covered,
    domain_forms,
    normalise_domain,
)
from node.activitypub.policy_gate import claimed_key_ids, signer_refusal
from node.hosts import canonical_host

label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789üéñßçø", min_size=1, max_size=10)
tld = st.sampled_from(["org", "example", "net", "de", "social"])


@st.composite
def domains(draw: st.DrawFn) -> str:
    labels = draw(st.lists(label, min_size=1, max_size=3))
    return ".".join([*labels, draw(tld)])


@st.composite
def spellings(draw: st.DrawFn, domain: str) -> str:
    """The same domain as another server or a moderator might write it."""
    form = draw(st.sampled_from(["unicode", "idna2008", "idna2003"]))
    if form == "idna2008":
        text = idna.encode(domain, uts46=True).decode()
    elif form == "idna2003":
        text = domain.encode("idna").decode()
    else:
        text = domain
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    text = "".join(c.upper() if flip and c.isascii() else c for c, flip in zip(text, flips,
                                                                               strict=True))
    return text + draw(st.sampled_from(["", ".", ":8443", ".:443"]))


def valid(domain: str) -> bool:
    try:
        domain_forms(domain)
    except BadDomain:
        return False
    return True


@settings(max_examples=50)  # four properties, each over IDNA in three forms
@given(st.data(), domains())
def test_every_spelling_of_a_blocked_domain_is_covered(data: st.DataObject, domain: str) -> None:
    if not valid(domain):
        return
    blocked = domain_forms(domain)
    spelling = data.draw(spellings(domain))
    assert covered(spelling, blocked)
    assert covered(canonical_host(spelling.split(":")[0]), blocked)  # as the wire has it


@settings(max_examples=50)  # four properties, each over IDNA in three forms
@given(domains(), label)
def test_subdomains_are_covered_and_lookalikes_are_not(domain: str, sub: str) -> None:
    if not valid(domain) or not valid(f"{sub}{domain}"):
        return
    blocked = domain_forms(domain)
    assert covered(f"{sub}.{domain}", blocked)
    assert not covered(f"{sub}{domain}", blocked)  # "evilexample.org" is not example.org


@settings(max_examples=50)  # four properties, each over IDNA in three forms
@given(domains())
def test_normalising_is_idempotent_and_one_of_the_forms(domain: str) -> None:
    if not valid(domain):
        return
    once = normalise_domain(domain)
    assert normalise_domain(once) == once
    assert once in domain_forms(domain)
    assert domain_forms(once) <= domain_forms(domain) | domain_forms(once)


@settings(max_examples=50)  # four properties, each over IDNA in three forms
@given(st.data(), domains())
def test_rules_refuse_urls_of_a_blocked_domain_in_any_spelling(data: st.DataObject,
                                                               domain: str) -> None:
    if not valid(domain):
        return
    rules = Rules(blocked_domains=domain_forms(domain), local_host="here.test")
    assert rules.refusal(f"https://{data.draw(spellings(domain))}/users/x") is not None
    assert rules.refusal("https://here.test/users/x") is None


def test_the_deviation_characters_match_both_idna_versions() -> None:
    assert domain_forms("faß.de") == {"fass.de", "xn--fa-hia.de"}
    assert covered("FASS.de.", domain_forms("faß.de"))
    assert covered("xn--fa-hia.de", domain_forms("FASS.de")) is False  # ASCII names no ß


def test_allowlist_mode_refuses_unlisted_domains_only_for_federation() -> None:
    rules = Rules(mode="allowlist", allowed_domains=domain_forms("friends.example"),
                  blocked_domains=domain_forms("spam.example"), local_host="here.test")
    assert rules.refusal("https://a.friends.example/actor") is None
    assert rules.refusal("https://elsewhere.example/actor") is not None
    assert rules.refusal("https://elsewhere.example/feed.xml", federating=False) is None
    assert rules.refusal("https://spam.example/feed.xml", federating=False) is not None
    assert rules.refusal("https://www.w3.org/ns/activitystreams#Public") is None  # relays
    assert rules.refusal("as:Public") is None  # names no host


def test_an_announce_of_a_blocked_author_is_refused_though_the_announcer_is_allowed() -> None:
    rules = Rules(blocked_actors=frozenset({"https://ok.example/users/troll"}))
    announce = {"id": "https://relay.example/a/1", "type": "Announce",
                "actor": "https://relay.example/actor",
                "object": {"id": "https://ok.example/activities/1", "type": "Create",
                           "actor": "https://ok.example/users/troll",
                           "object": {"id": "https://ok.example/notes/1", "type": "Note",
                                      "attributedTo": "https://ok.example/users/troll"}}}
    assert rules.activity_refusal(announce, "https://relay.example/actor") is not None
    assert rules.activity_refusal({**announce, "object": "https://ok.example/notes/1"}) is None


def test_an_ip_address_matches_itself_only() -> None:
    assert covered("http://127.0.0.2:8000", domain_forms("127.0.0.2"))
    assert not covered("127.0.0.1", domain_forms("0.0.1"))
    assert not covered("127.0.0.1", domain_forms("127.0.0.2"))


@pytest.mark.parametrize("text", ["", "   ", "https://", "a..b", "[]"])
def test_what_names_no_domain_is_refused(text: str) -> None:
    with pytest.raises(BadDomain):
        domain_forms(text)


def test_the_signers_key_id_is_read_from_either_signature_scheme() -> None:
    rules = Rules(blocked_domains=domain_forms("spam.example"))
    cavage = [("Signature", 'keyId="https://SPAM.example./users/x#main-key",algorithm="hs2019",'
                            'headers="(request-target) host date",signature="abc"')]
    rfc9421 = [("signature-input", 'sig1=("@method" "@target-uri");created=1;'
                                   'keyid="https://eu.spam.example/users/y#key"'),
               ("signature", "sig1=:abc:")]
    authorization = [("authorization", 'Signature keyId="https://spam.example/k",signature="x"')]
    assert claimed_key_ids(cavage) == ["https://SPAM.example./users/x#main-key"]
    for headers in (cavage, rfc9421, authorization):
        assert signer_refusal(rules, headers) is not None
    assert signer_refusal(rules, [("signature", 'keyId="https://ok.example/k"')]) is None
    assert signer_refusal(rules, [("date", 'keyId="https://spam.example/k"')]) is None
