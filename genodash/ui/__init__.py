"""The only part of genodash that imports Streamlit: loaders, session keys, widgets."""
