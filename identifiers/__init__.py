"""Microsoft's identifiers as text: pure checks of their shape that every layer may use
(guids.py: an Azure or Entra ID GUID). Imports nothing of the project; each caller refuses
a wrong one with its own rule's problem code and message."""
