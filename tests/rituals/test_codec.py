"""An outbox row carries exactly the message that will be posted."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.messages import (
    Button,
    Buttons,
    ButtonStyle,
    Context,
    Divider,
    Field,
    Fields,
    Heading,
    Image,
    Message,
    Paragraph,
    Progress,
    Visibility,
)
from rituals import codec

texts = st.text(max_size=40)
blocks = st.one_of(
    st.builds(Heading, texts),
    st.builds(Paragraph, texts),
    st.builds(Context, texts),
    st.builds(Divider),
    st.builds(Image, texts, texts),
    st.builds(Progress, texts, st.floats(0, 1), texts),
    st.builds(lambda fs: Fields(tuple(fs)), st.lists(st.builds(Field, texts, texts), max_size=3)),
    st.builds(
        lambda bs: Buttons(tuple(bs)),
        st.lists(st.builds(Button, texts, texts, texts, st.sampled_from(ButtonStyle)), max_size=3),
    ),
)
messages = st.builds(
    Message,
    texts,
    st.lists(blocks, max_size=6).map(tuple),
    st.sampled_from(Visibility),
    texts,
    st.dictionaries(texts, texts, max_size=2),
)


@given(messages)
def test_messages_survive_the_outbox(message: Message) -> None:
    back = codec.loads(codec.dumps(message))
    assert back == message
    assert back.metadata == message.metadata
