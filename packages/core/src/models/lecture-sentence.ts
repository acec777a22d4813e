/** The lecture's long sentence (labs 12-3 and 12-4), shared by tests and the demo. */
export const LECTURE_SENTENCE =
  "if you want to build a ship, don't drum up people together to " +
  "collect wood and don't assign them tasks and work, but rather " +
  'teach them to long for the endless immensity of the sea.';
