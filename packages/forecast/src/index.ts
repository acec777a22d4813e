/** placeholder until its issue lands */
export {};
