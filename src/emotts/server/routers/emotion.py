"""`POST /emotion`: the emotion the server would use for each sentence, without synthesizing."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from emotts.emotion.labels import ENGLISH, emotion_id
from emotts.server.paths import public_text
from emotts.server.routers.tts import check_text
from emotts.server.schemas import EmotionRequest, EmotionResponse, ErrorBody, SentenceEmotionBody
from emotts.server.state import State

router = APIRouter(tags=["emotion"])


@router.post("/emotion", response_model=EmotionResponse, responses={404: {"model": ErrorBody}})
async def analyze_emotion(body: EmotionRequest, state: State) -> EmotionResponse:
    text = check_text(body.text, state)
    role = state.registry.get(body.role) if body.role else None
    pipeline = state.pipeline
    # Off the event loop: a role's BERT classifier can take a while.
    sentences = await run_in_threadpool(pipeline.analyze, text, role, None, body.emotion_mode)
    return EmotionResponse(
        classifier=public_text(pipeline.classifier_for(role).name, state.registry.root),
        sentences=[
            SentenceEmotionBody(
                text=sentence.text,
                emotion=sentence.emotion,
                emotion_id=emotion_id(sentence.emotion),
                emotion_en=ENGLISH[sentence.emotion],
                source=str(sentence.source),
                confidence=sentence.confidence,
                scores=sentence.scores,
            )
            for sentence in sentences
        ],
    )
