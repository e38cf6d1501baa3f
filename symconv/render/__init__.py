"""Files made from the layers below: figures, compiled PDFs, and the committed derivations/ tree."""
