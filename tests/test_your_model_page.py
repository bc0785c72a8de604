"""The Your model page (AppTest): what a user sees when a card or its weights are wrong."""

import json

import pytest

from .conftest import ROOT, errors

OCT4 = ROOT / "models" / "oct4-mafk"
WEIGHTS = "good_oct4.safetensors"


@pytest.fixture(scope="module")
def card():
    """The shipped oct4-mafk card under a name of the user's own (it declares the weights' SHA-256)."""
    return {**json.loads((OCT4 / "card.json").read_text()), "name": "my-oct4"}


def add_button(at):
    return next(b for b in at.button if b.label == "Check and add the model")


def open_page(app_test):
    """The page with good weights already uploaded."""
    at = app_test()
    at.run()
    at.switch_page("pages/your_model.py").run()
    weights = (OCT4 / "weights.safetensors").read_bytes()
    at.file_uploader(key="user_weights").upload(WEIGHTS, weights, "application/octet-stream").run()
    return at


def upload_card(at, filename, content):
    at.radio(key="user_card_how").set_value("Upload card.json").run()
    at.file_uploader(key="user_card_file").upload(filename, content, "application/json").run()


def mine(at):
    return at.session_state["user_models"]


def test_same_name_twice_is_refused_not_replaced(app_test, card):
    at = open_page(app_test)
    upload_card(at, "card.json", json.dumps(card).encode())
    add_button(at).click().run()
    assert not at.exception and not errors(at)
    first = mine(at)["my-oct4"]
    upload_card(at, "card2.json", json.dumps({**card, "description": "another"}).encode())
    add_button(at).click().run()
    assert not at.exception
    [message] = errors(at)
    assert "already added a model named **my-oct4**" in message and "remove it first" in message
    assert mine(at)["my-oct4"] is first
    assert at.file_uploader(key="user_card_file").value.name == "card2.json"  # kept for renaming


def test_added_model_is_chosen_and_removing_it_falls_back_to_the_default(app_test, card):
    at = open_page(app_test)
    upload_card(at, "card.json", json.dumps(card).encode())
    add_button(at).click().run()
    at.run()
    assert at.sidebar.selectbox(key="model_name").value == "my-oct4"
    next(b for b in at.button if b.label == "Remove").click().run()
    assert not at.exception and not errors(at)
    assert "my-oct4" not in at.sidebar.selectbox(key="model_name").options
    assert at.sidebar.selectbox(key="model_name").value == "oct4-mafk"


def test_card_hash_that_differs_from_the_weights_is_refused(app_test, card):
    at = open_page(app_test)
    upload_card(at, "card.json", json.dumps({**card, "weights_sha256": "ab" * 32}).encode())
    add_button(at).click().run()
    assert not at.exception
    [message] = errors(at)
    assert message.startswith(f"Problem with {WEIGHTS}:")
    assert "abababababab" in message and card["weights_sha256"][:12] in message
    assert "my-oct4" not in mine(at)


def test_card_without_hash_is_accepted(app_test, card):
    at = open_page(app_test)
    upload_card(
        at, "card.json", json.dumps({k: v for k, v in card.items() if k != "weights_sha256"}).encode()
    )
    add_button(at).click().run()
    assert not at.exception and not errors(at)
    assert mine(at)["my-oct4"].loaded.card.weights_sha256 == card["weights_sha256"]


def fill_form(at, card):
    """The card form filled in with ``card``'s fields, licence left empty."""
    at.text_input(key="user_name").input(card["name"]).run()
    at.selectbox(key="user_architecture").set_value(card["architecture"]).run()
    at.text_area(key="user_hyper").input(json.dumps(card["hyperparameters"])).run()
    at.text_input(key="user_tasks").input(", ".join(card["tasks"])).run()
    at.number_input(key="user_length").set_value(card["input_length"]).run()
    at.selectbox(key="user_activation").set_value(card["output_activation"]).run()


@pytest.mark.parametrize("how", ["form", "card.json"])
def test_model_without_licence_says_so_instead_of_an_empty_line(app_test, card, how):
    at = open_page(app_test)
    if how == "form":
        fill_form(at, card)
    else:
        bare = {k: v for k, v in card.items() if k not in ("license", "citation")}
        upload_card(at, "card.json", json.dumps(bare).encode())
    add_button(at).click().run()
    assert not at.exception and not errors(at)
    at.run()  # the sidebar now shows the added model
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "**my-oct4**" in sidebar and "Licence: not stated on the model card" in sidebar
    at.switch_page("pages/models.py").run()
    facts = " ".join(m.value for m in at.markdown)
    assert "**Licence:** not stated on the model card" in facts
    assert "2 tasks (Oct4, MafK)" in facts


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("card_badjson.json", b'{"name": "x",\n "tasks": [1,,]}', "not valid JSON at line 2, column 14"),
        ("card_notasks.json", None, "lacks required fields: tasks"),
        ("card_badhyper.json", {"hyperparameters": {"filter": 64}}, "unexpected keyword argument 'filter'"),
    ],
)
def test_card_file_problems_name_the_card_file(app_test, card, filename, content, expected):
    if content is None:
        content = json.dumps({k: v for k, v in card.items() if k != "tasks"}).encode()
    elif isinstance(content, dict):
        content = json.dumps({**card, **content}).encode()
    at = open_page(app_test)
    upload_card(at, filename, content)
    add_button(at).click().run()
    assert not at.exception
    [message] = errors(at)
    assert message.startswith(f"Problem with {filename}: ") and expected in message
    assert WEIGHTS not in message


def test_form_problems_name_the_form(app_test):
    at = open_page(app_test)
    at.text_input(key="user_tasks").input("Oct4, MafK").run()
    add_button(at).click().run()
    assert not at.exception
    [message] = errors(at)
    assert message.startswith("Problem with the card form: model name ''")
    assert at.text_input(key="user_tasks").value == "Oct4, MafK"


def test_bad_hyperparameter_json_gives_only_that_message(app_test):
    at = open_page(app_test)
    at.text_input(key="user_name").input("my-oct4").run()
    hyper = '{"filters": 64, "kernel_size": 19,}'
    at.text_area(key="user_hyper").input(hyper).run()
    add_button(at).click().run()
    assert not at.exception and not at.warning
    [message] = errors(at)
    assert message.startswith("Hyper-parameters are not valid JSON (line 1, column 35)")
    assert at.text_area(key="user_hyper").value == hyper


def test_nothing_uploaded_says_what_is_missing(app_test):
    at = app_test()
    at.run()
    at.switch_page("pages/your_model.py").run()
    at.radio(key="user_card_how").set_value("Upload card.json").run()
    add_button(at).click().run()
    assert not at.exception and not errors(at)
    assert [w.value for w in at.warning] == ["First upload the weights (.safetensors) and upload card.json."]
