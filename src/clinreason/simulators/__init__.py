"""Simulated people an episode's doctor talks to: the patient (a deterministic fact-retrieval
patient, or a model told to answer only from the facts) and the measurement agent (reads out a
case's examination findings and test results on request). Methods drive them; they never see
benchmark files, only an item's `facts`."""

from .measurement import MeasurementAgent
from .patient import FactPatient, LLMPatient, Reply

__all__ = ["FactPatient", "LLMPatient", "MeasurementAgent", "Reply"]
