"""The HTML report: notebook 01 (shipped as package data) executed with papermill, rendered without code."""
