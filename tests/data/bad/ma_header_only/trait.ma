SNP	A1	A2	freq	b	se	p	n
