"""Evidence from narrative work reports (工作总结): facts read out of text, and the candidate sheet."""
