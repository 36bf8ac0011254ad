import { isNoise } from '../../intents/noise';

describe('isNoise', () => {
  test.each([
    ['ㅁㄴㅇㄹ'], ['ㅋㅋㅋ'], ['ㅋㅋㅋㅋㅋㅋㅋ'], ['ㅎㅎ'], ['ㅠㅠ'], ['ㅇㅇ'],
    ['asdf'], ['qwerty'], ['sdfsdf'], ['asdasd'], ['jkl;'], ['zxcv'], ['hahaha'], ['lol'],
    ['asdkfj qwe'], ['qwerasdf'], ['dkfjsl'],
    ['네'], ['넵'], ['예'], ['응'], ['ok'], ['OK!'], ['Okay.'], ['ㅋㅋ'], ['네네'], ['ㅋㅋ 네'],
    ['12345'], ['0'], ['???'], ['!!!'], ['...'], ['ㅋㅋㅋ!!'], ['😀'], ['👍👍'], ['♥'], ['~~~'], [''], ['   '],
  ])('%j is noise', (text) => {
    expect(isNoise(text)).toBe(true);
  });

  test.each([
    ['삭제'], ['상품 삭제 방법'], ['ㅋㅋ 삭제 어떻게 해요'], ['배송비'], ['네 삭제 방법 알려주세요'], ['상담사'],
    ['hello'], ['delete'], ['how do I delete a product'], ['type'], ['flask'], ['agent'], ['refund please'],
    ['123456789 상품 삭제'], ['sku123'], ['strengths'], ['lengths'], ['handheld scanner'],
  ])('%j is not noise', (text) => {
    expect(isNoise(text)).toBe(false);
  });
});
